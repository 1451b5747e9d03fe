//! Unit tests of `command/exec` validation and output capping.

use weft_protocol::v2::{CommandExecParams, CommandExecTerminalSize};

use super::plan_checks;

fn params(command: &[&str]) -> CommandExecParams {
    CommandExecParams {
        command: command.iter().map(|part| (*part).to_owned()).collect(),
        ..CommandExecParams::default()
    }
}

#[test]
fn validation_follows_the_reference_order_and_codes() {
    let empty = plan_checks(&params(&[])).unwrap_err();
    assert_eq!(
        (empty.code, empty.message.as_str()),
        (-32600, "command must not be empty")
    );

    let mut sized = params(&["true"]);
    sized.size = Some(CommandExecTerminalSize { rows: 24, cols: 80 });
    let err = plan_checks(&sized).unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (-32602, "command/exec size requires tty: true")
    );

    let mut capped = params(&["true"]);
    capped.output_bytes_cap = Some(1);
    capped.disable_output_cap = true;
    assert_eq!(
        plan_checks(&capped).unwrap_err().message,
        "command/exec cannot set both outputBytesCap and disableOutputCap"
    );

    let mut timed = params(&["true"]);
    timed.timeout_ms = Some(5);
    timed.disable_timeout = true;
    assert_eq!(
        plan_checks(&timed).unwrap_err().message,
        "command/exec cannot set both timeoutMs and disableTimeout"
    );

    let mut negative = params(&["true"]);
    negative.timeout_ms = Some(-1);
    let err = plan_checks(&negative).unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (
            -32602,
            "command/exec timeoutMs must be non-negative, got -1"
        )
    );

    let mut streaming = params(&["cat"]);
    streaming.stream_stdin = true;
    let err = plan_checks(&streaming).unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (
            -32600,
            "command/exec tty or streaming requires a client-supplied processId"
        )
    );

    let mut tty = params(&["sh"]);
    tty.tty = true;
    let err = plan_checks(&tty).unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (
            -32600,
            "command/exec tty or streaming requires a client-supplied processId"
        )
    );

    let mut zero = params(&["sh"]);
    zero.tty = true;
    zero.process_id = Some("p".to_owned());
    zero.size = Some(CommandExecTerminalSize { rows: 0, cols: 80 });
    assert_eq!(
        plan_checks(&zero).unwrap_err().message,
        "command/exec size rows and cols must be greater than 0"
    );
}

#[test]
fn valid_params_pass() {
    let mut streaming = params(&["cat"]);
    streaming.stream_stdin = true;
    streaming.stream_stdout_stderr = true;
    streaming.process_id = Some("p".to_owned());
    streaming.timeout_ms = Some(0);
    assert_eq!(plan_checks(&streaming).unwrap(), Some(0));

    let mut tty = params(&["sh"]);
    tty.tty = true;
    tty.process_id = Some("p".to_owned());
    tty.size = Some(CommandExecTerminalSize {
        rows: 40,
        cols: 100,
    });
    assert_eq!(plan_checks(&tty).unwrap(), None);
}

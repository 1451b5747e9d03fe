//! weft-exec: processes for the model's commands (unified exec sessions, process groups,
//! bounded output).

//! `view_image` (core.md §3.4): a local image becomes an `input_image` content part of the call's
//! output and an `imageView` item. Images are sent as they are (no resizing yet), bounded by
//! [`crate::limits::VIEW_IMAGE_BYTES_MAX`].

use std::path::Path;

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};
use weft_protocol::v2::ItemBody;

use crate::limits::VIEW_IMAGE_BYTES_MAX;
use crate::turn::tools::{ToolContext, completed, parse_arguments, started};

#[derive(Debug, Deserialize)]
struct Arguments {
    path: String,
}

/// Runs the call; the output is a string (an error) or a content list with the image.
pub(super) async fn run(context: &ToolContext, call_id: &str, arguments: &str) -> Value {
    let arguments: Arguments = match parse_arguments(arguments) {
        Ok(arguments) => arguments,
        Err(text) => return Value::String(text),
    };
    let path = Path::new(&context.settings.cwd).join(&arguments.path);
    let shown = path.display().to_string();
    let image = match read_image(&path, &shown).await {
        Ok(image) => image,
        Err(text) => return Value::String(text),
    };
    let item = started(ItemBody::ImageView {
        id: call_id.to_owned(),
        path: shown,
    });
    context.item_started(item.clone()).await;
    context
        .item_completed(completed(&item, item.body.clone()))
        .await;
    json!([{"type": "input_image", "image_url": image}])
}

/// The image as a data URL, or the reference's error text.
async fn read_image(path: &Path, shown: &str) -> Result<String, String> {
    let metadata = tokio::fs::metadata(path)
        .await
        .map_err(|err| format!("unable to locate image at `{shown}`: {err}"))?;
    if !metadata.is_file() {
        return Err(format!("image path `{shown}` is not a file"));
    }
    if metadata.len() > VIEW_IMAGE_BYTES_MAX {
        return Err(format!(
            "unable to process image at `{shown}`: larger than {VIEW_IMAGE_BYTES_MAX} bytes"
        ));
    }
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|err| format!("unable to read image at `{shown}`: {err}"))?;
    let mime = image_mime(&bytes).ok_or_else(|| {
        format!("unable to process image at `{shown}`: not a PNG, JPEG, GIF or WebP image")
    })?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
    Ok(format!("data:{mime};base64,{encoded}"))
}

/// The MIME type from the file's magic bytes.
fn image_mime(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

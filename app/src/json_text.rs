//! Server-function answers as JSON, read in the browser from text.
//!
//! Leptos' default `Json` output decodes answers with `serde_json::from_slice`, while the page's hydration
//! data and the live events are read with `serde_json::from_str`: two reader types, so every answer type's
//! deserializer was compiled into the WASM bundle twice. Decoding answers from text as well keeps one copy.
//! The wire format is the same JSON.
use leptos::server_fn::codec::Post;
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::{de::DeserializeOwned, Serialize};

/// JSON in and out, read from text.
pub struct JsonTextEncoding;

impl ContentType for JsonTextEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonTextEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonTextEncoding {
    type Error = serde_json::Error;

    fn encode(value: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(value).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonTextEncoding {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(<serde_json::Error as serde::de::Error>::custom)?;
        serde_json::from_str(text)
    }
}

/// The output encoding of every Chorus server function: `#[server(…, output = crate::json_text::JsonText)]`.
pub type JsonText = Post<JsonTextEncoding>;

/// A record carried inside an answer as a JSON value (a conflict's `current`), read through its text decoder, the
/// one every answer already uses, rather than through `serde_json::from_value`, which compiles another.
pub fn read_value<T: DeserializeOwned>(value: &serde_json::Value) -> Option<T> {
    serde_json::from_str(&value.to_string()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_names_bad_input() {
        let bytes = <JsonTextEncoding as Encodes<Vec<(i64, String)>>>::encode(&vec![(1, "ä".into())]).unwrap();
        assert_eq!(&bytes[..], "[[1,\"ä\"]]".as_bytes());
        let back: Vec<(i64, String)> = JsonTextEncoding::decode(bytes).unwrap();
        assert_eq!(back, vec![(1, "ä".to_string())]);
        let bad = <JsonTextEncoding as Decodes<Vec<i64>>>::decode(Bytes::from_static(b"\xff\xfe"));
        assert!(bad.unwrap_err().to_string().contains("utf-8"));
        assert_eq!(read_value::<(i64, String)>(&serde_json::json!([2, "b"])), Some((2, "b".to_string())));
        assert_eq!(read_value::<(i64, String)>(&serde_json::json!({ "a": 1 })), None);
    }
}

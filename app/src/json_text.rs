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
        from_text(text)
    }
}

/// Reads JSON text as a `T` in two steps: the text into a `serde_json::Value` (the one parser the bundle carries),
/// then the `T` from that value.
///
/// Every decoder serde derives is compiled once per reader it is used with. Reading straight from text, each
/// type's field and list decoders were compiled together with serde_json's text parsing (whitespace, escapes,
/// error positions), over and over; read from a `Value`, they are a few matches on a parsed tree. The browser
/// reads everything through here (answers, hydration data, live messages), so the text reader is compiled once,
/// for `Value`. An error still names the field and what was wrong with it, without the line and column.
pub fn from_text<T: DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    T::deserialize(&value)
}

/// The encoding of every Chorus resource (the data a page loads and the server sends along with the page for
/// hydration): JSON, read through [`from_text`].
pub struct JsonCodec;

impl<T: Serialize> codee::Encoder<T> for JsonCodec {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> codee::Decoder<T> for JsonCodec {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, Self::Error> {
        from_text(text)
    }
}

/// `Resource::new` with [`JsonCodec`].
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> leptos::prelude::Resource<T, JsonCodec>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    leptos::prelude::Resource::new_with_options(source, fetcher, false)
}

/// The output encoding of every Chorus server function: `#[server(…, output = crate::json_text::JsonText)]`.
pub type JsonText = Post<JsonTextEncoding>;

/// A record carried inside an answer as a JSON value (a conflict's `current`), read by the same decoder as
/// everything else (see [`from_text`]).
pub fn read_value<T: DeserializeOwned>(value: &serde_json::Value) -> Option<T> {
    T::deserialize(value).ok()
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

    /// What the browser reads (live messages, answers, hydration data) reads back equal through the parsed value,
    /// and a bad message still names the field and what is wrong.
    #[test]
    fn reads_through_the_value_and_names_bad_fields() {
        use crate::outreach::Stage;
        use crate::realtime::{Actor, Change, Event, ServerMsg};
        let event = Event {
            campaign_id: 1,
            seq: 7,
            at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            actor: Actor { user_id: 2, name: "Jordan".into(), org_id: None, org_name: None },
            change: Change::CardMoved { card_id: 5, name: "Ava".into(), from: Stage::Prospect, to: Stage::Paid, version: 3 },
        };
        let msg = ServerMsg::Event { event };
        let text = serde_json::to_string(&msg).unwrap();
        assert_eq!(from_text::<ServerMsg>(&text).unwrap(), msg);
        let bytes = <JsonTextEncoding as Encodes<ServerMsg>>::encode(&msg).unwrap();
        assert_eq!(<JsonTextEncoding as Decodes<ServerMsg>>::decode(bytes).unwrap(), msg);
        assert_eq!(<JsonCodec as codee::Decoder<ServerMsg>>::decode(&text).unwrap(), msg);
        let wrong = text.replace(r#""version":3"#, r#""version":"three""#);
        let err = from_text::<ServerMsg>(&wrong).unwrap_err().to_string();
        assert!(err.contains("version: invalid type: string \"three\""), "{err}");
        let missing = text.replace(r#","version":3"#, "");
        assert!(from_text::<ServerMsg>(&missing).unwrap_err().to_string().contains("missing field `version`"));
        assert!(from_text::<ServerMsg>("{\"type\":").unwrap_err().to_string().contains("EOF"));
    }
}

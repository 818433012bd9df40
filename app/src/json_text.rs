//! JSON as the browser reads it: server-function answers and errors, resources and their hydration data, live
//! messages.
//!
//! Everything is written with serde, as before, and read in two steps: the text into a `serde_json::Value` (the
//! one JSON parser in the WASM bundle), then the type from the value through [`FromJson`], derived from the same
//! `#[serde(...)]` attributes. serde's derived decoders are generic visitors compiled once per type and reader;
//! they were about a seventh of the bundle's code (see docs/PERFORMANCE.md). The wire format is unchanged.
use leptos::server_fn::codec::Post;
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::Serialize;
use serde_json::{Map, Value};

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

impl<T: FromJson> Decodes<T> for JsonTextEncoding {
    type Error = DecodeError;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(|e| DecodeError::new(format!("not UTF-8 text: {e}")))?;
        from_text(text)
    }
}

/// Reads JSON text as a `T` in two steps: the text into a `serde_json::Value` (the one parser the bundle carries),
/// then the `T` from that value through [`FromJson`]. The browser reads everything through here (answers,
/// hydration data, live messages). An error names the field and what was wrong with it.
pub fn from_text<T: FromJson>(text: &str) -> Result<T, DecodeError> {
    let value: Value = serde_json::from_str(text).map_err(|e| DecodeError::new(e.to_string()))?;
    T::from_json(&value)
}

/// For a hand-written serde `Deserialize` that reads through [`FromJson`] (one decoder for both).
pub fn deserialize_via_value<'de, D: serde::Deserializer<'de>, T: FromJson>(deserializer: D) -> Result<T, D::Error> {
    let value = <Value as serde::Deserialize>::deserialize(deserializer)?;
    T::from_json(&value).map_err(serde::de::Error::custom)
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

impl<T: FromJson> codee::Decoder<T> for JsonCodec {
    type Error = DecodeError;
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
    T: Serialize + FromJson + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    leptos::prelude::Resource::new_with_options(source, fetcher, false)
}

/// The output encoding of every Chorus server function: `#[server(…, output = crate::json_text::JsonText)]`.
pub type JsonText = Post<JsonTextEncoding>;

/// A record carried inside an answer as a JSON value (a conflict's `current`), read by the same decoder as
/// everything else (see [`from_text`]).
pub fn read_value<T: FromJson>(value: &Value) -> Option<T> {
    T::from_json(value).ok()
}

/// Reading a type from a parsed JSON value: what the browser uses for everything it receives.
///
/// Derived with `#[derive(FromJson)]` (crate `json_derive`), which follows the type's `#[serde(...)]` attributes so
/// that it reads exactly the JSON serde writes. One short function per type, each field read through its type's
/// own `from_json`: serde's derived decoders (generic visitors) were about a seventh of the WASM bundle.
pub trait FromJson: Sized {
    fn from_json(v: &Value) -> Result<Self, DecodeError>;

    /// The value of an absent field: `None` for an `Option`, otherwise absence is an error.
    #[doc(hidden)]
    fn absent() -> Option<Self> {
        None
    }
}

pub use json_derive::FromJson;

/// What was wrong with a value, and where (`card.stage: unknown variant …`).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError(String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

impl DecodeError {
    pub fn new(message: impl Into<String>) -> Self {
        DecodeError(message.into())
    }
    fn at(self, field: &str) -> Self {
        DecodeError(format!("{field}: {}", self.0))
    }
    fn expected(what: &str, v: &Value) -> Self {
        let found = match v {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
        };
        DecodeError(format!("expected {what}, found {found}"))
    }
    fn missing(field: &str) -> Self {
        DecodeError(format!("missing field `{field}`"))
    }
    pub fn unknown_variant(found: &str, expected: &[&str]) -> Self {
        DecodeError(format!("unknown variant `{found}`, expected one of {}", expected.join(", ")))
    }
}

#[doc(hidden)]
pub fn object(v: &Value) -> Result<&Map<String, Value>, DecodeError> {
    v.as_object().ok_or_else(|| DecodeError::expected("an object", v))
}

#[doc(hidden)]
pub fn array(v: &Value, len: usize) -> Result<&[Value], DecodeError> {
    match v.as_array() {
        Some(items) if items.len() == len => Ok(items),
        _ => Err(DecodeError::expected(&format!("a list of {len}"), v)),
    }
}

#[doc(hidden)]
pub fn item<T: FromJson>(items: &[Value], i: usize) -> Result<T, DecodeError> {
    T::from_json(&items[i]).map_err(|e| e.at(&i.to_string()))
}

/// A field that must be present (unless its type is an `Option`).
#[doc(hidden)]
pub fn field<T: FromJson>(obj: &Map<String, Value>, name: &str) -> Result<T, DecodeError> {
    match obj.get(name) {
        Some(v) => T::from_json(v).map_err(|e| e.at(name)),
        None => T::absent().ok_or_else(|| DecodeError::missing(name)),
    }
}

/// `#[serde(deny_unknown_fields)]`: a key the type does not have is refused, with serde's words.
#[doc(hidden)]
pub fn deny_unknown(obj: &Map<String, Value>, known: &[&str]) -> Result<(), DecodeError> {
    match obj.keys().find(|k| !known.contains(&k.as_str())) {
        None => Ok(()),
        Some(k) => {
            // serde's wording, to the letter.
            let quoted: Vec<String> = known.iter().map(|n| format!("`{n}`")).collect();
            let expected = match quoted.as_slice() {
                [] => "there are no fields".to_string(),
                [one] => format!("expected {one}"),
                [a, b] => format!("expected {a} or {b}"),
                all => format!("expected one of {}", all.join(", ")),
            };
            Err(DecodeError(format!("unknown field `{k}`, {expected}")))
        }
    }
}

/// A field with a default (`#[serde(default)]`).
#[doc(hidden)]
pub fn field_or<T: FromJson>(
    obj: &Map<String, Value>,
    name: &str,
    default: impl FnOnce() -> T,
) -> Result<T, DecodeError> {
    match obj.get(name) {
        Some(v) => T::from_json(v).map_err(|e| e.at(name)),
        None => Ok(default()),
    }
}

/// The tag of an internally tagged enum (`{"type": "event", …}`).
#[doc(hidden)]
pub fn tag<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a str, DecodeError> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(v) => Err(DecodeError::expected("a string", v).at(name)),
        None => Err(DecodeError::missing(name)),
    }
}

/// An externally tagged variant: `"name"`, or `{"name": content}`.
#[doc(hidden)]
pub fn variant(v: &Value) -> Result<(&str, &Value), DecodeError> {
    match v {
        Value::String(s) => Ok((s, &Value::Null)),
        Value::Object(m) if m.len() == 1 => {
            let (k, inner) = m.iter().next().unwrap();
            Ok((k, inner))
        }
        _ => Err(DecodeError::expected("a variant name", v)),
    }
}

impl FromJson for Value {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        Ok(v.clone())
    }
}

impl FromJson for String {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        v.as_str().map(str::to_owned).ok_or_else(|| DecodeError::expected("a string", v))
    }
}

impl FromJson for bool {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        v.as_bool().ok_or_else(|| DecodeError::expected("true or false", v))
    }
}

impl FromJson for f64 {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        v.as_f64().ok_or_else(|| DecodeError::expected("a number", v))
    }
}

impl FromJson for f32 {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        f64::from_json(v).map(|x| x as f32)
    }
}

fn integer(v: &Value) -> Result<i128, DecodeError> {
    match v.as_i64() {
        Some(i) => Ok(i as i128),
        None => v.as_u64().map(|u| u as i128).ok_or_else(|| DecodeError::expected("a whole number", v)),
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl FromJson for $t {
            fn from_json(v: &Value) -> Result<Self, DecodeError> {
                <$t>::try_from(integer(v)?).map_err(|_| DecodeError::new(concat!("out of range for ", stringify!($t))))
            }
        }
    )*};
}
integers!(i8, i16, i32, i64, u8, u16, u32, u64, usize);

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        match v {
            Value::Null => Ok(None),
            v => T::from_json(v).map(Some),
        }
    }
    fn absent() -> Option<Self> {
        Some(None)
    }
}

impl<T: FromJson> FromJson for Box<T> {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        T::from_json(v).map(Box::new)
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        let items = v.as_array().ok_or_else(|| DecodeError::expected("a list", v))?;
        items.iter().enumerate().map(|(i, x)| T::from_json(x).map_err(|e| e.at(&i.to_string()))).collect()
    }
}

impl<A: FromJson, B: FromJson> FromJson for (A, B) {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        let items = array(v, 2)?;
        Ok((item(items, 0)?, item(items, 1)?))
    }
}

impl<A: FromJson, B: FromJson, C: FromJson> FromJson for (A, B, C) {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        let items = array(v, 3)?;
        Ok((item(items, 0)?, item(items, 1)?, item(items, 2)?))
    }
}

macro_rules! maps {
    ($($map:ident),*) => {$(
        impl<T: FromJson> FromJson for std::collections::$map<String, T> {
            fn from_json(v: &Value) -> Result<Self, DecodeError> {
                object(v)?.iter().map(|(k, x)| Ok((k.clone(), T::from_json(x).map_err(|e| e.at(k))?))).collect()
            }
        }
    )*};
}
maps!(BTreeMap, HashMap);

impl<T: FromJson, E: FromJson> FromJson for Result<T, E> {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        match variant(v)? {
            ("Ok", inner) => T::from_json(inner).map(Ok).map_err(|e| e.at("Ok")),
            ("Err", inner) => E::from_json(inner).map(Err).map_err(|e| e.at("Err")),
            (other, _) => Err(DecodeError::unknown_variant(other, &["Ok", "Err"])),
        }
    }
}

impl FromJson for () {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        match v {
            Value::Null => Ok(()),
            v => Err(DecodeError::expected("null", v)),
        }
    }
}

impl FromJson for chrono::NaiveDate {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        let text = String::from_json(v)?;
        crate::dates::parse_iso_day(&text)
            .ok_or_else(|| DecodeError(format!("expected a date like 2026-12-31, found {text:?}")))
    }
}

impl FromJson for chrono::DateTime<chrono::Utc> {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        let text = String::from_json(v)?;
        crate::dates::parse_utc(&text)
            .ok_or_else(|| DecodeError(format!("expected a time like 2026-12-31T09:00:00Z, found {text:?}")))
    }
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
        use crate::realtime::{Actor, Change, Event, ServerMsg};
        use crate::vocab::Stage;
        let event = Event {
            campaign_id: 1,
            seq: 7,
            at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            actor: Actor { user_id: 2, name: "Jordan".into(), org_id: None, org_name: None },
            change: Change::CardMoved {
                card_id: 5,
                name: "Ava".into(),
                from: Stage::Prospect,
                to: Stage::Paid,
                version: 3,
            },
        };
        let msg = ServerMsg::Event { event };
        let text = serde_json::to_string(&msg).unwrap();
        assert_eq!(from_text::<ServerMsg>(&text).unwrap(), msg);
        let bytes = <JsonTextEncoding as Encodes<ServerMsg>>::encode(&msg).unwrap();
        assert_eq!(<JsonTextEncoding as Decodes<ServerMsg>>::decode(bytes).unwrap(), msg);
        assert_eq!(<JsonCodec as codee::Decoder<ServerMsg>>::decode(&text).unwrap(), msg);
        let wrong = text.replace(r#""version":3"#, r#""version":"three""#);
        let err = from_text::<ServerMsg>(&wrong).unwrap_err().to_string();
        assert_eq!(err, "event: version: expected a whole number, found a string");
        let missing = text.replace(r#","version":3"#, "");
        assert!(from_text::<ServerMsg>(&missing).unwrap_err().to_string().contains("missing field `version`"));
        assert!(from_text::<ServerMsg>("{\"type\":").unwrap_err().to_string().contains("EOF"));
    }

    fn seven() -> i64 {
        7
    }

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize, FromJson)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        OneThing,
        #[serde(rename = ">=")]
        AtLeast,
    }

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize, FromJson)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Shape {
        Dot,
        Box {
            w: i64,
            #[serde(default)]
            h: i64,
        },
    }

    #[derive(Debug, PartialEq, Default, Serialize, serde::Deserialize, FromJson)]
    #[serde(default)]
    struct Loose {
        a: i64,
        b: Option<String>,
    }

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize, FromJson)]
    struct Strict {
        id: i64,
        #[serde(rename = "type")]
        kind: Kind,
        #[serde(default = "seven")]
        n: i64,
        note: Option<String>,
        shapes: Vec<Shape>,
        loose: Loose,
        pair: (u32, f64),
        outcome: Result<u8, String>,
        day: chrono::NaiveDate,
    }

    /// The derive reads what serde writes and refuses what serde refuses, naming where.
    #[test]
    fn unknown_fields_are_refused_as_serde_refuses_them() {
        #[derive(Debug, PartialEq, serde::Deserialize, FromJson)]
        #[serde(deny_unknown_fields)]
        struct Figures {
            post_id: i64,
            #[serde(default)]
            likes: i64,
        }
        let text = r#"{"post_id":1,"likez":5}"#;
        let ours = from_text::<Figures>(text).unwrap_err().to_string();
        let serdes = serde_json::from_str::<Figures>(text).unwrap_err().to_string();
        assert_eq!(ours, "unknown field `likez`, expected `post_id` or `likes`");
        assert!(serdes.starts_with(&ours), "{serdes}");
        assert_eq!(from_text::<Figures>(r#"{"post_id":1}"#).unwrap(), Figures { post_id: 1, likes: 0 });
    }

    #[test]
    fn the_derive_reads_what_serde_writes() {
        let value = Strict {
            id: 1,
            kind: Kind::AtLeast,
            n: 3,
            note: None,
            shapes: vec![Shape::Dot, Shape::Box { w: 2, h: 5 }],
            loose: Loose { a: 4, b: Some("x".into()) },
            pair: (9, 0.5),
            outcome: Err("no".into()),
            day: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        };
        let text = serde_json::to_string(&value).unwrap();
        assert_eq!(from_text::<Strict>(&text).unwrap(), value);
        assert_eq!(serde_json::from_str::<Strict>(&text).unwrap(), value);
        // Defaults and absent options, exactly as serde fills them in.
        let sparse = r#"{"id":1,"type":"one_thing","shapes":[{"type":"box","w":2}],"loose":{},"pair":[1,2],"outcome":{"Ok":3},"day":"2026-01-05"}"#;
        assert_eq!(from_text::<Strict>(sparse).unwrap(), serde_json::from_str::<Strict>(sparse).unwrap());
        let bad = |text: &str| from_text::<Strict>(text).unwrap_err().to_string();
        assert_eq!(bad(&sparse.replace(r#""id":1,"#, "")), "missing field `id`");
        assert_eq!(
            bad(&sparse.replace("one_thing", "OneThing")),
            "type: unknown variant `OneThing`, expected one of one_thing, >="
        );
        assert_eq!(
            bad(&sparse.replace(r#""w":2"#, r#""w":"2""#)),
            "shapes: 0: w: expected a whole number, found a string"
        );
        assert_eq!(bad(&sparse.replace("[1,2]", "[-1,2]")), "pair: 0: out of range for u32");
        assert_eq!(
            bad(&sparse.replace("2026-01-05", "5 Jan")),
            "day: expected a date like 2026-12-31, found \"5 Jan\""
        );
        assert_eq!(bad("[]"), "expected an object, found a list");
    }
}

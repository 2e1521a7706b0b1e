//! A JSON object body, read one member at a time into a [`FieldSink`] (so
//! an object of a million keys stops at the field cap instead of becoming a
//! million-entry map first), with the conventions of the module doc.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::fields::FieldSink;
use crate::{ApiError, Reason};

/// Reads `body`, a JSON object, into `sink`.
pub(super) fn read(body: &[u8], sink: &mut FieldSink) -> Result<(), ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let mut refusal = None;
    let outcome = Object {
        sink,
        refusal: &mut refusal,
    }
    .deserialize(&mut deserializer)
    .and_then(|()| deserializer.end());
    match (refusal, outcome) {
        // One of our rules, reported through serde as a custom error.
        (Some(err), _) => Err(err),
        (None, Ok(())) => Ok(()),
        (None, Err(err)) => Err(Reason::InvalidJsonBody {
            detail: err.to_string(),
        }
        .into()),
    }
}

/// The top-level object. Our own refusals travel in `refusal`: serde's
/// error type carries only text.
struct Object<'a> {
    sink: &'a mut FieldSink,
    refusal: &'a mut Option<ApiError>,
}

impl<'de> DeserializeSeed<'de> for Object<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Object<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of parameters")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(name) = map.next_key::<String>()? {
            map.next_value_seed(Member {
                name: &name,
                in_array: false,
                sink: &mut *self.sink,
                refusal: &mut *self.refusal,
            })?;
        }
        Ok(())
    }
}

/// One value: a top-level member (`in_array: false`) or an array's member.
struct Member<'a> {
    name: &'a str,
    in_array: bool,
    sink: &'a mut FieldSink,
    refusal: &'a mut Option<ApiError>,
}

impl Member<'_> {
    fn add<E: de::Error>(self, value: String) -> Result<(), E> {
        let name = self.name.to_owned();
        self.sink
            .add_text(name, value)
            .map_err(|err| refuse(self.refusal, err))
    }

    fn refuse<E: de::Error>(self, reason: &str) -> E {
        let name = self.name.trim_end_matches("[]");
        refuse(
            self.refusal,
            ApiError::from(Reason::InvalidParameter {
                name: name.to_string(),
                detail: reason.to_string(),
            }),
        )
    }
}

fn refuse<E: de::Error>(slot: &mut Option<ApiError>, err: ApiError) -> E {
    let text = err.to_string();
    *slot = Some(err);
    E::custom(text)
}

impl<'de> DeserializeSeed<'de> for Member<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Member<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, number, boolean, null or array of those")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        self.add(value.to_owned())
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<(), E> {
        self.add(value)
    }

    /// As the SDKs send (and sign) booleans.
    fn visit_bool<E: de::Error>(self, value: bool) -> Result<(), E> {
        self.add(if value { "1" } else { "0" }.to_owned())
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<(), E> {
        self.add(value.to_string())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<(), E> {
        self.add(value.to_string())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<(), E> {
        self.add(value.to_string())
    }

    /// `null` is absent, but still a field: a flood of them stops at the cap.
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.sink
            .count_field()
            .map_err(|err| refuse(self.refusal, err))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        if self.in_array {
            return Err(self.refuse("nested arrays are not a parameter value"));
        }
        let name = format!("{}[]", self.name.trim_end_matches("[]"));
        while items
            .next_element_seed(Member {
                name: &name,
                in_array: true,
                sink: &mut *self.sink,
                refusal: &mut *self.refusal,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(self.refuse("an object is not a parameter value"))
    }
}

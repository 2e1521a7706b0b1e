//! Rectangles in the displayed frame and the `x,y,w,h|x,y,w,h` wire form of
//! `custom_coordinates` and `face_coordinates`.

use serde::{Serialize, Serializer};

use crate::ExtractError;

/// A rectangle in displayed-image pixels, top-left origin. Serialises as `[x, y, w, h]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

impl Serialize for Rect {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        [self.x, self.y, self.w, self.h].serialize(s)
    }
}

impl Rect {
    /// The part of `self` inside a `width` x `height` image. A rectangle wholly
    /// outside keeps its place on the border with zero size, so a list keeps its
    /// length and order.
    pub fn clamp_to(self, width: u32, height: u32) -> Rect {
        let x = self.x.min(width);
        let y = self.y.min(height);
        Rect {
            x,
            y,
            w: self.w.min(width - x),
            h: self.h.min(height - y),
        }
    }

    /// A caller's region limited to a `width` x `height` image the way
    /// Cloudinary limits `face_coordinates` and `custom_coordinates` sent with
    /// a file: each value is capped by the image's size along its axis (its
    /// SDK tests send `[120,30,109,150]` for a 241x51 image and get
    /// `[120,30,109,51]` back), so a region may still reach past the border.
    /// Detected boxes use [`Rect::clamp_to`] instead: they are geometry.
    pub fn limit_to(self, width: u32, height: u32) -> Rect {
        Rect {
            x: self.x.min(width),
            y: self.y.min(height),
            w: self.w.min(width),
            h: self.h.min(height),
        }
    }

    /// `self` measured in an image `factor` times larger (rounded to whole pixels).
    pub fn scaled(self, factor: f64) -> Rect {
        let scale = |v: u32| {
            (f64::from(v) * factor)
                .round()
                .clamp(0.0, f64::from(u32::MAX)) as u32
        };
        Rect {
            x: scale(self.x),
            y: scale(self.y),
            w: scale(self.w),
            h: scale(self.h),
        }
    }
}

/// Parses the wire form `x,y,w,h|x,y,w,h` (one or more groups of four
/// non-negative integers; spaces around numbers are tolerated). An empty value
/// is an empty list, which is how a caller clears stored coordinates.
/// `param` names the request parameter in the error.
pub fn parse_rects(param: &'static str, value: &str) -> Result<Vec<Rect>, ExtractError> {
    if value.trim().is_empty() {
        return Ok(Vec::new());
    }
    value
        .split('|')
        .map(|group| parse_rect(param, group))
        .collect()
}

fn parse_rect(param: &'static str, group: &str) -> Result<Rect, ExtractError> {
    let invalid = |reason: String| ExtractError::InvalidParameter { param, reason };
    let numbers = group
        .split(',')
        .map(|n| {
            let n = n.trim();
            // `u32::from_str` accepts a leading '+'; the wire form is digits only.
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(format!(
                    "{n:?} is not a non-negative integer in {group:?}"
                )));
            }
            n.parse::<u32>()
                .map_err(|_| invalid(format!("{n} is too large in {group:?}")))
        })
        .collect::<Result<Vec<u32>, _>>()?;
    match numbers[..] {
        [x, y, w, h] => Ok(Rect { x, y, w, h }),
        _ => Err(invalid(format!(
            "expected x,y,w,h groups separated by '|', got {group:?}"
        ))),
    }
}

/// Regions sent with a file, limited to its displayed size by [`Rect::limit_to`]:
/// the one rule for `custom_coordinates` and `face_coordinates` on upload and
/// in the CLI.
pub fn limit_rects(rects: &[Rect], width: u32, height: u32) -> Vec<Rect> {
    rects.iter().map(|r| r.limit_to(width, height)).collect()
}

/// The wire form of `rects`, as `parse_rects` reads it.
pub fn format_rects(rects: &[Rect]) -> String {
    let groups: Vec<String> = rects
        .iter()
        .map(|r| format!("{},{},{},{}", r.x, r.y, r.w, r.h))
        .collect();
    groups.join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAM: &str = "custom_coordinates";

    #[test]
    fn parses_groups_in_order() {
        let rects = parse_rects(PARAM, "10,20,30,40|50,60,70,80").unwrap();
        assert_eq!(
            rects,
            [
                Rect {
                    x: 10,
                    y: 20,
                    w: 30,
                    h: 40
                },
                Rect {
                    x: 50,
                    y: 60,
                    w: 70,
                    h: 80
                }
            ]
        );
        assert_eq!(format_rects(&rects), "10,20,30,40|50,60,70,80");
        assert_eq!(
            parse_rects(PARAM, " 1, 2 ,3,4 ").unwrap(),
            [Rect {
                x: 1,
                y: 2,
                w: 3,
                h: 4
            }]
        );
        assert_eq!(parse_rects(PARAM, "").unwrap(), []);
    }

    #[test]
    fn rejects_what_is_not_groups_of_four_non_negative_integers() {
        for bad in [
            "1,2,3",
            "1,2,3,4,5",
            "1,2,3,-4",
            "1,2,3,4|",
            "a,b,c,d",
            "1.5,2,3,4",
            "+1,2,3,4",
            "1,2,3,99999999999",
        ] {
            match parse_rects(PARAM, bad) {
                Err(ExtractError::InvalidParameter { param, .. }) => assert_eq!(param, PARAM),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn clamps_to_the_image() {
        let inside = Rect {
            x: 10,
            y: 10,
            w: 20,
            h: 20,
        };
        assert_eq!(inside.clamp_to(100, 100), inside);
        assert_eq!(
            Rect {
                x: 90,
                y: 5,
                w: 20,
                h: 200
            }
            .clamp_to(100, 50),
            Rect {
                x: 90,
                y: 5,
                w: 10,
                h: 45
            }
        );
        assert_eq!(
            Rect {
                x: 500,
                y: 500,
                w: 5,
                h: 5
            }
            .clamp_to(100, 50),
            Rect {
                x: 100,
                y: 50,
                w: 0,
                h: 0
            }
        );
    }

    #[test]
    fn limits_caller_regions_as_cloudinary_does() {
        // Cloudinary's SDK test: a 241x51 image.
        let sent = parse_rects(PARAM, "120,30,109,150|121,31,110,151").unwrap();
        assert_eq!(
            format_rects(&limit_rects(&sent, 241, 51)),
            "120,30,109,51|121,31,110,51"
        );
        let far = Rect {
            x: 500,
            y: 60,
            w: 1000,
            h: 5,
        };
        assert_eq!(
            far.limit_to(241, 51),
            Rect {
                x: 241,
                y: 51,
                w: 241,
                h: 5
            }
        );
    }

    #[test]
    fn scales_to_a_larger_frame() {
        assert_eq!(
            Rect {
                x: 1,
                y: 2,
                w: 3,
                h: 4
            }
            .scaled(2.5),
            Rect {
                x: 3,
                y: 5,
                w: 8,
                h: 10
            }
        );
    }
}

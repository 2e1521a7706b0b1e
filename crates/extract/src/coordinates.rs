//! Rectangles in the displayed frame and the `x,y,w,h|x,y,w,h` wire form.

use serde::{Serialize, Serializer};

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

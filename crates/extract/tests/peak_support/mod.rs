//! A counting global allocator for the test binaries that bound memory: the
//! peak of heap bytes live while a closure runs, over what was live before.
//! Tests that measure hold [`serial`] from their first line, so a parallel
//! test's allocations do not count. A runaway allocation past [`CEILING`]
//! fails (the process aborts with "memory allocation failed") instead of
//! taking the host's memory: that is how the bombs failed before their fix.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Heap bytes past which an allocation is refused.
pub const CEILING: usize = 3 << 30;

pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

impl Counting {
    fn grow(size: usize) -> bool {
        let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
        if live > CEILING {
            LIVE.fetch_sub(size, Ordering::Relaxed);
            return false;
        }
        PEAK.fetch_max(live, Ordering::Relaxed);
        true
    }
}

// SAFETY: every call is passed on to the system allocator unchanged; the
// counters are atomics and never affect the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !Self::grow(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's layout, as GlobalAlloc requires.
        let ptr = unsafe { System.alloc(layout) };
        if ptr.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !Self::grow(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: as above.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if ptr.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() && !Self::grow(new_size - layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: `ptr` came from this allocator with this layout.
        let moved = unsafe { System.realloc(ptr, layout, new_size) };
        if moved.is_null() {
            if new_size > layout.size() {
                LIVE.fetch_sub(new_size - layout.size(), Ordering::Relaxed);
            }
        } else if new_size < layout.size() {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        moved
    }
}

/// Held for a whole test: no other measuring test of the binary runs meanwhile.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// `run`'s result and the most heap bytes it held at once beyond what was
/// live when it started (call it holding [`serial`]).
pub fn peak_of<T>(run: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = run();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    (out, peak)
}

pub const MIB: usize = 1 << 20;

//! Runs every fuzz target on stable Rust for a bounded time: first each seed
//! as it is (the shared corpus, the grown corpus, past crashes), then seeded
//! random mutations of them until the target's share of the time is spent.
//! A panic is a crash, and so is an input whose execution holds more heap at
//! once than [`peak_limit`] allows (counted by this binary's allocator): the input is
//! saved under `fuzz/artifacts/<target>/` and the run exits non-zero. Prints
//! executions and crashes per target.
//!
//! `replay [--seconds N] [--seed S] [--target NAME]` (defaults: 60 s over all
//! targets, seed 1). `make test` runs the default; `make fuzz` runs longer.

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use assay_fuzz::corpus::{fuzz_dir, seeds_for, shared_files, Seed};
use assay_fuzz::mutate::mutate;
use assay_fuzz::{Target, TARGETS};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Most heap one execution may hold at once. The metadata parsers allocate
/// O(input) plus a fixed cap whatever the input's pointers say (issue 28; a
/// 16 KB ICC profile once took 4 GB): 64 MiB plus 16 bytes per input byte,
/// the bound `crates/extract/tests/metadata_bombs.rs` holds them to.
/// `analyze` decodes up to its 4-megapixel limit: 512 MiB.
fn peak_limit(target: &str, input_len: usize) -> usize {
    match target {
        "analyze" => 512 << 20,
        _ => (64 << 20) + 16 * input_len,
    }
}
/// Past this the allocator refuses (the process aborts with "memory
/// allocation failed") rather than take the host's memory; rerun with the
/// printed seed and `--target` to find the input.
const HARD_LIMIT: usize = 4 << 30;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting live bytes and their peak.
struct Counting;

#[allow(unsafe_code)]
// SAFETY: every call is passed to the system allocator unchanged; the
// counters are atomics and never change the memory handed out.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if !grow(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's layout, as GlobalAlloc requires.
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if !grow(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: as above.
        unsafe { std::alloc::System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from this allocator with this layout.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        if size > layout.size() && !grow(size - layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: `ptr` came from this allocator with this layout.
        let moved = unsafe { std::alloc::System.realloc(ptr, layout, size) };
        if !moved.is_null() && size < layout.size() {
            LIVE.fetch_sub(layout.size() - size, Ordering::Relaxed);
        }
        moved
    }
}

/// Counts `size` more live bytes, unless that passes [`HARD_LIMIT`].
fn grow(size: usize) -> bool {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    if live > HARD_LIMIT {
        LIVE.fetch_sub(size, Ordering::Relaxed);
        return false;
    }
    PEAK.fetch_max(live, Ordering::Relaxed);
    true
}

#[global_allocator]
static HEAP: Counting = Counting;

struct Args {
    seconds: u64,
    seed: u64,
    target: Option<String>,
}

/// Crashes are told apart by where they panicked: one saved input and one
/// count per site, however many mutations reach it.
#[derive(Default)]
struct Tally {
    executions: u64,
    /// Panic site -> (first message, saved input).
    crashes: BTreeMap<String, (String, String)>,
}

thread_local! {
    /// Where the last panic happened and what it said, set by the panic hook.
    static LAST_PANIC: RefCell<(String, String)> = const { RefCell::new((String::new(), String::new())) };
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}\nusage: replay [--seconds N] [--seed S] [--target NAME]");
            return ExitCode::from(2);
        }
    };
    let files = match shared_files() {
        Ok(files) => files,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let targets: Vec<Target> = TARGETS
        .into_iter()
        .filter(|t| args.target.as_deref().is_none_or(|name| name == t.name))
        .collect();
    if targets.is_empty() {
        eprintln!("no target named {:?}", args.target.unwrap_or_default());
        return ExitCode::from(2);
    }
    // Panics are expected findings here: remember the site, print it once.
    std::panic::set_hook(Box::new(|info| {
        let site = info
            .location()
            .map_or_else(|| "unknown".to_owned(), |l| l.to_string());
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        // The message often quotes the input: cut it short, it is saved anyway.
        let message: String = message.chars().take(120).collect();
        LAST_PANIC.with(|last| *last.borrow_mut() = (site, message));
    }));

    let share = Duration::from_secs(args.seconds) / targets.len() as u32;
    let (mut executions, mut crashes) = (0, 0);
    for (i, target) in targets.iter().enumerate() {
        let seeds = seeds_for(target.name, &files);
        let mut rng = StdRng::seed_from_u64(args.seed.wrapping_add(i as u64));
        let tally = fuzz(target, &seeds, &mut rng, share);
        println!(
            "fuzz {:<10} {:>3} seeds {:>8} executions {:>2} crashes",
            target.name,
            seeds.len(),
            tally.executions,
            tally.crashes.len()
        );
        for (site, (message, input)) in &tally.crashes {
            println!("  panic at {site}: {message}\n    input saved to {input}");
        }
        executions += tally.executions;
        crashes += tally.crashes.len();
    }
    println!(
        "fuzz total: {executions} executions, {crashes} crashes (seed {})",
        args.seed
    );
    if crashes == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Seeds first, then mutations until `budget` is spent.
fn fuzz(target: &Target, seeds: &[Seed], rng: &mut StdRng, budget: Duration) -> Tally {
    let deadline = Instant::now() + budget;
    let mut tally = Tally::default();
    for seed in seeds {
        execute(target, &seed.bytes, &mut tally);
    }
    if seeds.is_empty() {
        return tally;
    }
    while Instant::now() < deadline {
        let seed = &seeds[rng.random_range(0..seeds.len())];
        let other = &seeds[rng.random_range(0..seeds.len())];
        let input = mutate(rng, &seed.bytes, &other.bytes);
        execute(target, &input, &mut tally);
    }
    tally
}

fn execute(target: &Target, input: &[u8], tally: &mut Tally) {
    tally.executions += 1;
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let panicked = catch_unwind(AssertUnwindSafe(|| (target.run)(input))).is_err();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    let finding = if panicked {
        Some(LAST_PANIC.with(|last| last.borrow().clone()))
    } else if peak > peak_limit(target.name, input.len()) {
        // One entry for all such inputs of a target: the first is saved.
        Some((
            "peak heap over the limit".to_owned(),
            format!(
                "{} MiB held at once by a {}-byte input (limit {} MiB)",
                peak >> 20,
                input.len(),
                peak_limit(target.name, input.len()) >> 20
            ),
        ))
    } else {
        None
    };
    if let Some((site, message)) = finding {
        if !tally.crashes.contains_key(&site) {
            let saved = save_crash(target.name, input);
            tally.crashes.insert(site, (message, saved));
        }
    }
}

/// Saves the input as cargo fuzz would name it, and returns where.
fn save_crash(target: &str, input: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    input.hash(&mut hasher);
    let dir = fuzz_dir().join("artifacts").join(target);
    let path = dir.join(format!("crash-{:016x}", hasher.finish()));
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, input)) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(not saved: {e})"),
    }
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        seconds: 60,
        seed: 1,
        target: None,
    };
    let mut argv = std::env::args().skip(1);
    while let Some(flag) = argv.next() {
        let value = argv.next().ok_or(format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: {value:?} is not a number"))
        };
        match flag.as_str() {
            "--seconds" => args.seconds = number()?,
            "--seed" => args.seed = number()?,
            "--target" => args.target = Some(value),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    Ok(args)
}

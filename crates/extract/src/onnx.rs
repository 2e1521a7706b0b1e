//! The vendored ONNX networks (faces, scene text) run by ONNX Runtime through
//! `ort`, which opens [`LIBRARY`] on first use: a process that asks for
//! neither never loads it. `scripts/install-onnxruntime.py` puts the pinned
//! library on the library path (the Dockerfile runs the same script).
//!
//! A session takes any input shape, but `ort` runs one through `&mut`, so a
//! [`Network`] keeps a small pool: up to one session per core, each made on
//! first need (about 20 ms; [`Network::prepare`] lets a caller overlap that
//! with a decode) and reused for the rest of the process. A run that finds
//! every session busy, or one being made, waits for one: sessions are made
//! one at a time, so a run that follows a prepare does not make a second.
//! Each session computes on its caller's thread alone: concurrent requests
//! supply the parallelism, and ORT's own pool would only contend with them
//! for the same cores.

use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};

use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use ort::value::Tensor;

/// The ONNX Runtime library, by soname (the release `ort` 2.0.0-rc.15 was
/// built against is 1.31; the installed one is 1.32, see the install script).
pub(crate) const LIBRARY: &str = "libonnxruntime.so.1";

/// One output of a network: its values (row-major) and its shape.
pub(crate) type Output = (Vec<f32>, Vec<usize>);

/// One vendored network and its sessions.
pub(crate) struct Network {
    /// For error messages.
    name: &'static str,
    model: &'static [u8],
    pool: Mutex<Pool>,
    returned: Condvar,
}

struct Pool {
    idle: Vec<Session>,
    /// Sessions in existence, idle or running.
    made: usize,
    /// A session is being made (outside the lock).
    making: bool,
}

impl Network {
    pub(crate) const fn new(name: &'static str, model: &'static [u8]) -> Self {
        Network {
            name,
            model,
            pool: Mutex::new(Pool {
                idle: Vec::new(),
                made: 0,
                making: false,
            }),
            returned: Condvar::new(),
        }
    }

    /// Runs the network on one f32 input of `shape` (NCHW); every output's
    /// values and shape, in the model's output order.
    pub(crate) fn run(&self, shape: [usize; 4], input: Vec<f32>) -> Result<Vec<Output>, String> {
        let mut session = self.take()?;
        let outputs = run_session(&mut session, shape, input);
        self.give_back(session);
        outputs.map_err(|e| self.failed(&e))
    }

    /// Makes a session now if the network has none, so that its one-time
    /// cost can overlap other work. [`Network::run`] does the same on demand.
    /// Returns at once when a session exists, even a busy one: a caller that
    /// prepares while other requests scan must not wait for them.
    pub(crate) fn prepare(&self) -> Result<(), String> {
        {
            let pool = self.lock();
            if pool.made > 0 || pool.making {
                return Ok(());
            }
        }
        let session = self.take()?;
        self.give_back(session);
        Ok(())
    }

    /// An idle session, a new one while there are fewer than the cores and
    /// none is being made, or the next one given back.
    fn take(&self) -> Result<Session, String> {
        let mut pool = self.lock();
        loop {
            if let Some(session) = pool.idle.pop() {
                return Ok(session);
            }
            if !pool.making && pool.made < max_sessions() {
                pool.making = true;
                drop(pool);
                let made = self.make();
                let mut pool = self.lock();
                pool.making = false;
                pool.made += usize::from(made.is_ok());
                drop(pool);
                // Waiters may now make the next one (or see this one fail).
                self.returned.notify_all();
                return made;
            }
            pool = self
                .returned
                .wait(pool)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn give_back(&self, session: Session) {
        self.lock().idle.push(session);
        self.returned.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn make(&self) -> Result<Session, String> {
        let environment = runtime()?;
        Session::builder(environment)
            .map_err(|e| self.failed(&e))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| self.failed(&e))?
            .with_intra_threads(1)
            .map_err(|e| self.failed(&e))?
            .with_inter_threads(1)
            .map_err(|e| self.failed(&e))?
            .commit_from_memory(self.model)
            .map_err(|e| self.failed(&e))
    }

    /// An error of this network, named.
    fn failed(&self, error: &dyn std::fmt::Display) -> String {
        format!("{}: {error}", self.name)
    }
}

/// Sessions a network keeps at most: one per core.
fn max_sessions() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// Loads ONNX Runtime and makes its environment, once per process. A missing
/// or unusable library is an error each caller sees (the same one every time).
fn runtime() -> Result<&'static Environment, String> {
    static ENVIRONMENT: OnceLock<Result<Environment, String>> = OnceLock::new();
    ENVIRONMENT
        .get_or_init(|| {
            let unavailable = |e: &dyn std::fmt::Display| {
                format!("ONNX Runtime ({LIBRARY}) is unavailable: {e}; install it with scripts/install-onnxruntime.py")
            };
            ort::init_from(LIBRARY)
                .map_err(|e| unavailable(&e))?
                .with_name("assay")
                .with_telemetry(false)
                .build()
                .map_err(|e| unavailable(&e))
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn run_session(
    session: &mut Session,
    shape: [usize; 4],
    input: Vec<f32>,
) -> Result<Vec<Output>, ort::Error> {
    let input = Tensor::from_array((shape, input))?;
    let outputs = session.run(ort::inputs![input])?;
    outputs
        .iter()
        .map(|(_, value)| {
            let (shape, values) = value.try_extract_tensor::<f32>()?;
            let shape = shape
                .iter()
                .map(|&d| usize::try_from(d).unwrap_or(0))
                .collect();
            Ok((values.to_vec(), shape))
        })
        .collect()
}

#[cfg(all(test, feature = "faces"))]
mod tests {
    use super::*;

    /// A network with a real model: the face detector's.
    static NETWORK: Network = Network::new("test", crate::faces::retinaface::MODEL_BYTES);

    #[test]
    fn the_runtime_loads_from_the_library_path() {
        runtime().unwrap();
    }

    /// Preparing while every session is busy returns at once instead of
    /// waiting for one of them.
    #[test]
    fn preparing_does_not_wait_for_busy_sessions() {
        static BUSY: Network = Network::new("busy", crate::faces::retinaface::MODEL_BYTES);
        let held: Vec<Session> = (0..max_sessions())
            .map(|_| BUSY.take().expect("a session"))
            .collect();
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || done.send(BUSY.prepare()));
        let prepared = finished.recv_timeout(std::time::Duration::from_secs(10));
        assert!(matches!(prepared, Ok(Ok(()))), "{prepared:?}");
        for session in held {
            BUSY.give_back(session);
        }
    }

    /// Concurrent runs never make more sessions than cores, and every session
    /// made is given back for the next run.
    #[test]
    fn sessions_are_bounded_by_the_cores_and_reused() {
        let threads: Vec<_> = (0..4 * max_sessions())
            .map(|_| std::thread::spawn(|| NETWORK.run([1, 3, 32, 32], vec![0.0; 3 * 32 * 32])))
            .collect();
        for thread in threads {
            thread.join().expect("runs").expect("the model runs");
        }
        let pool = NETWORK.lock();
        assert!(
            pool.made >= 1 && pool.made <= max_sessions(),
            "{}",
            pool.made
        );
        assert_eq!(pool.idle.len(), pool.made);
    }
}

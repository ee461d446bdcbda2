//! Taking back what a multi-step operation already did when a later step fails: each step that
//! changes something registers how to undo it, and a failure undoes them all, newest first. The
//! undo steps are futures, so nothing of them runs unless they are needed.

use std::future::Future;
use std::pin::Pin;

use crate::error::Result;

type Step<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

#[derive(Default)]
pub struct Undo<'a> {
    steps: Vec<Step<'a>>,
}

impl<'a> Undo<'a> {
    /// Remembers how to take back the step just taken. An undo step reports nothing: it does
    /// its best, and the error the caller returns is the one that made it run.
    pub fn then(&mut self, step: impl Future<Output = ()> + Send + 'a) {
        self.steps.push(Box::pin(step));
    }

    /// Passes `result` on; when it is an error, every remembered step is taken back first.
    pub async fn check<T>(&mut self, result: Result<T>) -> Result<T> {
        if result.is_err() {
            for step in std::mem::take(&mut self.steps).into_iter().rev() {
                step.await;
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::error::Error;

    #[tokio::test]
    async fn a_failure_takes_back_every_step_newest_first_and_success_none() {
        let log = Mutex::new(Vec::new());
        let mut undo = Undo::default();
        undo.then(async { log.lock().expect("log").push("first") });
        undo.then(async { log.lock().expect("log").push("second") });
        assert_eq!(undo.check(Ok(1)).await.expect("ok"), 1);
        assert!(log.lock().expect("log").is_empty(), "a success undoes nothing");
        assert!(undo.check::<()>(Err(Error::NoTenants)).await.is_err());
        assert_eq!(*log.lock().expect("log"), ["second", "first"]);
        assert!(undo.check::<()>(Err(Error::NoTenants)).await.is_err());
        assert_eq!(log.lock().expect("log").len(), 2, "each step is taken back once");
    }
}

//! Ballista: a client for a running cluster, and a loopback cluster
//! (scheduler and executors in this process, talking gRPC and Arrow Flight
//! over `localhost`) for tests and for trying the distributed path.

use crate::EngineError;
use crate::engine::{Engine, state_with_functions};
use ballista::prelude::{SessionConfigExt, SessionContextExt};
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use datafusion::prelude::{SessionConfig, SessionContext};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// A scheduler and executors started by [`Engine::loopback`]; they run on
/// the engine's runtime and stop when the engine is dropped.
#[derive(Debug)]
pub struct LoopbackCluster {
    /// The scheduler's address.
    pub scheduler: SocketAddr,
    /// How many executors were started.
    pub executors: usize,
}

fn ballista_config(partitions: usize) -> SessionConfig {
    let mut c = SessionConfig::new_with_ballista();
    if partitions > 0 {
        c = c.with_target_partitions(partitions);
    }
    c
}

impl Engine {
    /// A client of the Ballista scheduler at `url` (`df://host:50050`).
    ///
    /// Plans that use the session-length rule need threatstat's window
    /// function on the cluster: run schedulers and executors built with
    /// [`session_split_udwf`](crate::session_split_udwf) registered in
    /// their session state (see the crate docs); the other plans run on a
    /// stock cluster.
    pub fn remote(url: &str) -> Result<Engine, EngineError> {
        let rt = crate::engine::runtime()?;
        let state = state_with_functions(ballista_config(0));
        let ctx = rt.block_on(SessionContext::remote_with_state(url, state))?;
        with_functions(&ctx);
        Ok(Engine::ballista(ctx, rt, None))
    }

    /// Starts a Ballista scheduler and `executors` executors with `slots`
    /// task slots each on loopback, and returns a client of it. Shuffle
    /// data is always fetched over Arrow Flight, as on a real cluster.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), threatstat_engine::EngineError> {
    /// let engine = threatstat_engine::Engine::loopback(2, 2)?;
    /// assert_eq!(engine.backend_name(), "ballista");
    /// # Ok(()) }
    /// ```
    pub fn loopback(executors: usize, slots: usize) -> Result<Engine, EngineError> {
        if executors == 0 || slots == 0 {
            return Err(threatstat_core::Error::param(
                "executors / slots",
                format!("{executors} / {slots}"),
                "at least one executor with one slot",
            )
            .into());
        }
        let rt = crate::engine::runtime()?;
        let config =
            ballista_config(executors * slots).with_ballista_shuffle_reader_force_remote_read(true);
        let state = state_with_functions(config);
        let (ctx, scheduler) = rt.block_on(async {
            let addr = ballista_scheduler::standalone::new_standalone_scheduler_from_state(&state)
                .await
                .map_err(|e| EngineError::Runtime(format!("starting the scheduler: {e}")))?;
            let url = format!("http://localhost:{}", addr.port());
            for _ in 0..executors {
                let client = connect(&url).await?;
                ballista_executor::new_standalone_executor_from_state(client, slots, &state)
                    .await
                    .map_err(|e| EngineError::Runtime(format!("starting an executor: {e}")))?;
            }
            let ctx = SessionContext::remote_with_state(
                &format!("df://localhost:{}", addr.port()),
                state.clone(),
            )
            .await?;
            with_functions(&ctx);
            Ok::<_, EngineError>((ctx, addr))
        })?;
        let cluster = LoopbackCluster {
            scheduler,
            executors,
        };
        Ok(Engine::ballista(ctx, rt, Some(cluster)))
    }
}

/// Ballista's client state replaces the window functions with its own
/// list; the client plans SQL, so ours is registered again.
fn with_functions(ctx: &SessionContext) {
    ctx.register_udwf(crate::session_split_udwf().as_ref().clone());
}

async fn connect(url: &str) -> Result<SchedulerGrpcClient<tonic::transport::Channel>, EngineError> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match SchedulerGrpcClient::connect(url.to_string()).await {
            Ok(c) => return Ok(c),
            Err(e) if Instant::now() > deadline => {
                return Err(EngineError::Runtime(format!(
                    "no scheduler at {url} after 30 s: {e}"
                )));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

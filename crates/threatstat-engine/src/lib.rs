//! threatstat's aggregations as Apache DataFusion plans, on one machine or
//! on a Ballista cluster.
//!
//! The plans compute the sufficient statistics threatstat's models are fitted
//! from, and return them as threatstat's own types, equal to what the native
//! loaders of `threatstat-datasets` and `threatstat-markov` compute:
//!
//! | plan | input | result | feeds |
//! |---|---|---|---|
//! | [`Engine::lanl_owners`] | LANL `auth.txt` | [`OwnerMap`](threatstat_datasets::lanl::OwnerMap) | upload analysis |
//! | [`Engine::lanl_uploads`] | `auth.txt`, `flows.txt` | per-user bytes per interval ([`Uploads`]) | Mann-Whitney U, KDE |
//! | [`Engine::cert_daily_counts`] | CERT `logon.csv` | [`DailyCounts`](threatstat_datasets::cert::DailyCounts) | Poisson changepoint |
//! | [`Engine::markov_counts`] | an event log | sessionized transition [`Counts`](threatstat_markov::Counts) | Markov scoring |
//!
//! The crate builds without DataFusion by default (only [`sql`], the plans
//! as SQL text in DataFusion's and Spark's dialects). Features:
//!
//! * `datafusion`: [`Engine::local`], DataFusion on this machine.
//! * `ballista`: [`Engine::remote`] (a client of a Ballista scheduler) and
//!   [`Engine::loopback`] (a scheduler and executors started in-process on
//!   `localhost`). The same SQL runs; Ballista splits it into stages at
//!   shuffles and runs them on its executors.
//!
//! These pull about 700 crates (a cold build takes 15–40 minutes), which is
//! why they are off in the workspace's default build.
//!
//! # On a real cluster
//!
//! 1. Start a scheduler and executors (`ballista-scheduler`,
//!    `ballista-executor` binaries or their Docker images, version 55) on
//!    machines that all see the input paths (a shared file system).
//! 2. `Engine::remote("df://scheduler-host:50050")` and call the plans as
//!    on one machine; inputs may be directories of CSV or Parquet files,
//!    one partition per file.
//! 3. The session-length rule of [`Engine::markov_counts`] (a finite
//!    `max_session_ns`) uses the window function
//!    [`session_split_udwf`], which stock executors do not know: build the
//!    scheduler and executors with it registered in their session state
//!    (as [`Engine::loopback`] does with
//!    `new_standalone_executor_from_state`). Without a length limit the
//!    plan is standard SQL.
//!
//! # Spark
//!
//! [`sql`] writes every plan in Spark SQL ([`sql::Dialect::Spark`]) for
//! users who run Spark: register the inputs as the views named in
//! [`sql::tables`] and run the text with `spark.sql(...)`. The texts were
//! run on Spark 4.3.0 and their results equal the native path's
//! (`tests/spark_parity.rs`, with the script that reruns Spark named
//! there). The session
//! length rule has no Spark SQL form (it needs a sequential scan per run of
//! events, e.g. a `mapGroups` in Scala).
//!
//! # Example
//!
//! ```
//! # #[cfg(feature = "datafusion")] {
//! use threatstat_engine::{Engine, Source};
//! use threatstat_datasets::lanl::OwnerRule;
//! let dir = std::env::temp_dir().join(format!("ts-engine-lib-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let auth = dir.join("auth.txt");
//! std::fs::write(&auth, "1,U1@DOM1,U1@DOM1,C1,C1,Kerberos,Interactive,LogOn,Success\n\
//!                        2,U2@DOM1,U2@DOM1,C1,C1,Kerberos,Interactive,LogOn,Success\n\
//!                        3,U2@DOM1,U2@DOM1,C1,C1,Kerberos,Interactive,LogOn,Success\n").unwrap();
//! let owners = Engine::local().unwrap().lanl_owners(&Source::csv(&auth), &OwnerRule::default()).unwrap();
//! assert_eq!(owners.owner("C1"), Some("U2@DOM1"));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # }
//! ```

mod error;
pub mod sql;

#[cfg(feature = "ballista")]
mod cluster;
#[cfg(feature = "datafusion")]
mod engine;
#[cfg(feature = "datafusion")]
mod udwf;

#[cfg(feature = "ballista")]
pub use cluster::LoopbackCluster;
#[cfg(feature = "datafusion")]
pub use engine::{Engine, Format, Session, Source, Table, Uploads};
pub use error::EngineError;
#[cfg(feature = "datafusion")]
pub use udwf::session_split_udwf;

//! The memory an event log holds per event, on the worst case for
//! `markov sessionize`: every row a new user key (random client IPs) and a
//! new parameter value. Events once held a `Vec` of `(String,
//! Option<String>)` each and user keys a `Vec<String>` each, about 600 bytes
//! per event of this shape (666 MB peak RSS on 1,000,000 rows); the arenas
//! hold about 130 (see `threatstat_markov::io`).

use threatstat_core::BadRowPolicy;
use threatstat_markov::io::{EventColumns, read_events_csv};

#[test]
fn an_event_with_a_new_user_and_parameter_value_costs_about_130_bytes() {
    let dir = std::env::temp_dir().join(format!(
        "threatstat-markov-footprint-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("events.csv");
    // Just below a power of two, so that buffer growth adds little slack.
    let n = 16_000u64;
    let mut text = String::from("TimeGenerated,UserId,ClientIP,Operation,Parameters\n");
    let mut x: u64 = 1;
    let mut values = Vec::new();
    for i in 0..n {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        values.push(format!("v{:012}", x >> 24));
        text.push_str(&format!(
            "2020-04-18T04:{:02}:{:02}Z,user{}@contoso.com,10.{}.{}.{},Set-User,\"[{{\"\"Name\"\": \"\"Identity\"\", \"\"Value\"\": \"\"{}\"\"}}]\"\n",
            i / 60 % 60,
            i % 60,
            (x >> 20) % 2000,
            (x >> 30) % 256,
            (x >> 40) % 256,
            (x >> 50) % 256,
            values[i as usize],
        ));
    }
    std::fs::write(&path, &text).unwrap();
    let cols = EventColumns {
        user_cols: vec!["UserId".into(), "ClientIP".into()],
        time_col: "TimeGenerated".into(),
        event_col: "Operation".into(),
        params_col: Some("Parameters".into()),
    };
    let (log, _) = read_events_csv(&path, &cols, BadRowPolicy::Error).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(log.len(), n as usize);
    assert!(
        log.users.n_keys() as u64 > n * 99 / 100,
        "{}",
        log.users.n_keys()
    );
    for i in [0, 5, n as usize - 1] {
        let p: Vec<_> = log.params_of(i).collect();
        assert_eq!(p, vec![("Identity", Some(values[i].as_str()))]);
    }
    let per_event = log.heap_bytes() as f64 / n as f64;
    let per_param = log.params.heap_bytes() as f64 / n as f64;
    eprintln!("{per_event:.1} bytes per event, {per_param:.1} of them parameters");
    assert!(per_event < 150.0, "{per_event:.1} bytes per event");
    assert!(per_param < 40.0, "{per_param:.1} bytes per parameter");
}

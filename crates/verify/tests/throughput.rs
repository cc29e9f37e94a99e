//! Throughput: 1,000 verifications over 20 mock providers answering in 50-200 ms each must
//! take seconds, not minutes, with the default options (its own test binary, so that it runs
//! alone).

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::time::{Duration, Instant};

use common::*;
use leakscan_verify::{VerifyOptions, VerifyRequest, VerifyStatus};

#[test]
fn a_thousand_verifications_over_twenty_slow_providers_take_seconds() {
    const HOSTS: usize = 20;
    const REQUESTS: usize = 1000;
    let servers: Vec<Server> = (0..HOSTS)
        .map(|_| {
            serve(|seen, n| {
                // 50-200 ms, spread by the request number and path.
                let latency = 50 + ((n * 37 + seen.path.len() * 11) % 151) as u64;
                Reply::new(200, r#"{"login": "someone"}"#).delayed(Duration::from_millis(latency))
            })
        })
        .collect();
    let names: Vec<String> = (0..HOSTS).map(|i| format!("p{i}.provider.test")).collect();
    let specs: Vec<_> = names
        .iter()
        .map(|n| bearer_spec(&format!("https://{n}/user"), ""))
        .collect();
    let hosts: Vec<(&str, _)> = names.iter().zip(&servers).map(|(n, s)| (n.as_str(), s.addr)).collect();
    let options = VerifyOptions {
        endpoint_overrides: None,
        ..VerifyOptions::default()
    };
    let verifier = verifier(&hosts, options);
    let requests: Vec<VerifyRequest> = (0..REQUESTS)
        .map(|i| VerifyRequest {
            rule_id: format!("rule-{}", i % HOSTS),
            ..request(&specs[i % HOSTS], &format!("tok_throughput_secret_{i:05}"))
        })
        .collect();
    let start = Instant::now();
    let verdicts = verifier.verify_all(requests);
    let elapsed = start.elapsed();
    let live = verdicts.iter().filter(|v| v.status == VerifyStatus::Live).count();
    println!(
        "verified {REQUESTS} secrets over {HOSTS} providers (50-200 ms each) in {:.2} s ({live} live)",
        elapsed.as_secs_f64()
    );
    assert_eq!(
        live,
        REQUESTS,
        "{:?}",
        verdicts.iter().find(|v| v.status != VerifyStatus::Live)
    );
    let total: usize = servers.iter().map(|s| s.seen().len()).sum();
    assert_eq!(total, REQUESTS);
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
}

//! The worker pool: a global concurrency limit (worker threads), a minimum interval between
//! two requests to one host, and per-host back-off after a 429.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::http::Prepared;
use crate::{Verdict, VerifyOptions};

/// One distinct request to send.
pub(crate) struct Job {
    /// Its index among the run's jobs (where its verdict goes).
    index: usize,
    prepared: Prepared,
    /// How many times it was answered 429 so far.
    retries: u32,
}

impl Job {
    pub(crate) fn new(index: usize, prepared: Prepared) -> Job {
        Job {
            index,
            prepared,
            retries: 0,
        }
    }
}

/// What sending a request gave.
pub(crate) enum Outcome {
    /// A verdict.
    Done(Verdict),
    /// 429: send it again after this long (the `Retry-After`, or a back-off), if retries are
    /// left.
    RateLimited(Duration),
}

/// One host's queue.
struct HostQueue {
    jobs: VecDeque<Job>,
    /// No request to this host starts before this.
    next_start: Instant,
}

struct State {
    hosts: Vec<HostQueue>,
    /// Jobs without a verdict yet (queued or in flight).
    pending: usize,
    /// Where the round-robin search for a ready host starts.
    cursor: usize,
    results: Vec<Option<Verdict>>,
}

impl State {
    /// The next job whose host may be asked now, and that host; else when one will be
    /// (`None` when nothing is queued).
    fn take(&mut self, now: Instant, interval: Duration) -> Result<(usize, Job), Option<Instant>> {
        let n = self.hosts.len();
        let mut earliest: Option<Instant> = None;
        for step in 0..n {
            let h = (self.cursor + step) % n;
            let host = &mut self.hosts[h];
            if host.jobs.is_empty() {
                continue;
            }
            if host.next_start <= now {
                let job = host.jobs.pop_front().expect("a queued job");
                host.next_start = now + interval;
                self.cursor = (h + 1) % n;
                return Ok((h, job));
            }
            earliest = Some(earliest.map_or(host.next_start, |e| e.min(host.next_start)));
        }
        Err(earliest)
    }
}

/// Sends every job with `send`, on at most `options.concurrency` threads; returns the
/// verdicts by job index.
pub(crate) fn run(jobs: Vec<Job>, options: &VerifyOptions, send: impl Fn(&Prepared) -> Outcome + Sync) -> Vec<Verdict> {
    let count = jobs.len();
    if count == 0 {
        return Vec::new();
    }
    let now = Instant::now();
    let mut host_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut hosts: Vec<HostQueue> = Vec::new();
    for job in jobs {
        let h = *host_index.entry(job.prepared.host().to_string()).or_insert_with(|| {
            hosts.push(HostQueue {
                jobs: VecDeque::new(),
                next_start: now,
            });
            hosts.len() - 1
        });
        hosts[h].jobs.push_back(job);
    }
    let state = Mutex::new(State {
        hosts,
        pending: count,
        cursor: 0,
        results: vec![None; count],
    });
    let wake = Condvar::new();
    let workers = options.concurrency.clamp(1, count);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| worker(&state, &wake, options, &send));
        }
    });
    let state = state.into_inner().unwrap_or_else(|e| e.into_inner());
    state
        .results
        .into_iter()
        .map(|v| v.unwrap_or_else(|| Verdict::error("internal: the request was never sent")))
        .collect()
}

fn worker(
    state: &Mutex<State>,
    wake: &Condvar,
    options: &VerifyOptions,
    send: &(impl Fn(&Prepared) -> Outcome + Sync),
) {
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let (host, mut job) = {
            let mut guard = lock();
            loop {
                if guard.pending == 0 {
                    return;
                }
                let now = Instant::now();
                match guard.take(now, options.per_host_min_interval) {
                    Ok(taken) => break taken,
                    Err(Some(at)) => {
                        guard = wake
                            .wait_timeout(guard, at.saturating_duration_since(now))
                            .unwrap_or_else(|e| e.into_inner())
                            .0;
                    }
                    // Nothing queued, but some in flight (a 429 may put one back).
                    Err(None) => guard = wake.wait(guard).unwrap_or_else(|e| e.into_inner()),
                }
            }
        };
        let outcome = send(&job.prepared);
        let mut guard = lock();
        match outcome {
            Outcome::RateLimited(wait) if job.retries < options.max_retries => {
                job.retries += 1;
                let wait = wait.min(options.max_retry_wait);
                log::debug!("{}: rate limited; trying again in {wait:?}", job.prepared.host());
                let queue = &mut guard.hosts[host];
                queue.next_start = queue.next_start.max(Instant::now() + wait);
                queue.jobs.push_front(job);
            }
            Outcome::RateLimited(_) => {
                let reason = format!(
                    "{}: rate limited (429) {} times; not tried again",
                    job.prepared.host(),
                    job.retries + 1
                );
                guard.results[job.index] = Some(Verdict::error(reason));
                guard.pending -= 1;
            }
            Outcome::Done(verdict) => {
                guard.results[job.index] = Some(verdict);
                guard.pending -= 1;
            }
        }
        wake.notify_all();
    }
}

//! The memory bound of a scan: a budget ([`MemoryBudget`], one per scanner) on the bytes of
//! *large* items in flight.
//! Small items (up to [`LARGE_ITEM`]) are read and scanned in parallel freely; a large one (a
//! file, blob or layer entry over that size, or the content inflated from an archive once it
//! passes that size) waits until it fits in the budget (default [`DEFAULT_IN_FLIGHT`],
//! `--max-memory`), or until nothing else large is in flight when it is bigger than the whole
//! budget. Peak memory is therefore about `threads × LARGE_ITEM + max(budget, largest item)`,
//! whatever the number of threads, the size of the input or what its archives inflate to.
//!
//! A share grows as an item's content grows ([`LaneGuard::grow_to`]: an archive member being
//! inflated). A thread that already holds a share and needs more (a member inflated from a
//! large file) waits too, but never for itself: when every other holder is also waiting to
//! grow, or after `NESTED_PATIENCE` with no share released meanwhile, it goes ahead over the
//! budget, so holders can never wait for each other forever, and a holder that keeps making
//! progress (releasing shares) is waited for as long as it does.

use std::cell::RefCell;
use std::sync::{Arc, Condvar, Mutex};

/// Items up to this size are read and scanned in parallel without counting against the budget.
pub const LARGE_ITEM: u64 = 8 << 20;

/// The default budget for large items in flight at once (two files at the default
/// `--max-file-size` of 256 MiB fit, so reading one overlaps scanning the other).
pub const DEFAULT_IN_FLIGHT: u64 = 512 << 20;

/// How long a thread that already holds a share waits for room to grow it, with no share
/// released meanwhile, before going ahead over the budget (see [`LaneGuard::grow_to`]).
const NESTED_PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

/// A budget for large items in flight: each scanner has its own (two scanners in one process
/// do not share or overwrite each other's limit); clones share the count.
#[derive(Debug, Clone)]
pub struct MemoryBudget {
    shared: Arc<Shared>,
}

/// The count behind a budget and its limit.
#[derive(Debug)]
struct Shared {
    limit: u64,
    state: Mutex<State>,
    freed: Condvar,
}

/// The shared count behind the budget.
#[derive(Debug, Default)]
struct State {
    /// Bytes of large items in flight.
    used: u64,
    /// Threads holding a share.
    holders: usize,
    /// Holders waiting to grow their share.
    growing: usize,
    /// Shares released so far (wrapping): a waiter that sees it change knows some holder is
    /// making progress.
    releases: u64,
}

thread_local! {
    /// Bytes this thread holds (all its shares), per budget (keyed by the budget's address;
    /// a thread rarely holds shares of more than one).
    static HELD: RefCell<Vec<(usize, u64)>> = const { RefCell::new(Vec::new()) };
}

/// Bytes this thread holds of the budget `key`.
fn held(key: usize) -> u64 {
    HELD.with(|h| h.borrow().iter().find(|(k, _)| *k == key).map_or(0, |(_, b)| *b))
}

/// Adds `delta` (may be negative) to what this thread holds of budget `key`; returns the new
/// amount.
fn add_held(key: usize, delta: i128) -> u64 {
    HELD.with(|h| {
        let mut h = h.borrow_mut();
        let i = match h.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                h.push((key, 0));
                h.len() - 1
            }
        };
        let now = u64::try_from(i128::from(h[i].1) + delta).unwrap_or(0);
        if now == 0 {
            h.swap_remove(i);
        } else {
            h[i].1 = now;
        }
        now
    })
}

impl Default for MemoryBudget {
    /// A budget of [`DEFAULT_IN_FLIGHT`].
    fn default() -> MemoryBudget {
        MemoryBudget::new(DEFAULT_IN_FLIGHT)
    }
}

impl MemoryBudget {
    /// A budget of `limit` bytes of large items in flight. A single item larger than the
    /// budget is still scanned, alone.
    pub fn new(limit: u64) -> MemoryBudget {
        MemoryBudget {
            shared: Arc::new(Shared {
                limit: limit.max(1),
                state: Mutex::new(State::default()),
                freed: Condvar::new(),
            }),
        }
    }

    /// The budget, in bytes.
    pub fn limit(&self) -> u64 {
        self.shared.limit
    }

    /// Bytes of large items in flight now (for tests and diagnostics).
    pub fn in_flight(&self) -> u64 {
        self.lock_state().used
    }

    fn key(&self) -> usize {
        Arc::as_ptr(&self.shared) as usize
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock poisons it; the count is still right, so go on.
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// No share yet, of this budget (see [`LaneGuard::grow_to`]).
    pub fn lane(&self) -> LaneGuard {
        LaneGuard {
            bytes: 0,
            budget: self.clone(),
        }
    }

    /// Waits until an item of `bytes` fits in the budget (see [`LaneGuard::grow_to`]) when it
    /// is large; returns at once with no share for a small item.
    pub fn large_item(&self, bytes: u64) -> LaneGuard {
        let mut guard = self.lane();
        guard.grow_to(bytes);
        guard
    }

    /// A file or blob about to be read: reserves room for an item of `bytes` (waiting for the
    /// budget when it is large; see [`MemoryBudget::large_item`]) and a buffer of `capacity`
    /// for it.
    pub fn item_buffer(&self, bytes: u64, capacity: usize) -> ItemBuffer {
        let lane = self.large_item(bytes);
        let pooled = (bytes > LARGE_ITEM).then(|| large_buffer(capacity));
        ItemBuffer {
            pooled,
            pool_limit: self.limit(),
            _lane: lane,
        }
    }
}

/// Holds a share of a [`MemoryBudget`] (nothing, for a small item) until dropped.
#[must_use = "the budget is released when the guard is dropped"]
#[derive(Debug)]
pub struct LaneGuard {
    bytes: u64,
    budget: MemoryBudget,
}

impl LaneGuard {
    /// Bytes this guard holds.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Grows the share to `total` bytes once `total` is large (a small item holds nothing),
    /// waiting until that fits in the budget. A thread holding no share waits while anything
    /// else is in flight and the total would pass the budget; a thread that already holds
    /// one waits only while some other holder is not itself waiting to grow, and for at most
    /// two seconds after the last share released (see the module documentation).
    pub fn grow_to(&mut self, total: u64) {
        if total <= LARGE_ITEM || total <= self.bytes {
            return;
        }
        let extra = total - self.bytes;
        let budget = &self.budget;
        let limit = budget.limit();
        let key = budget.key();
        let freed = &budget.shared.freed;
        let mut state = budget.lock_state();
        if held(key) == 0 {
            while state.used > 0 && state.used + extra > limit {
                state = freed.wait(state).unwrap_or_else(|e| e.into_inner());
            }
            state.holders += 1;
        } else {
            // Wait while some other holder can still finish (is not waiting itself), for at
            // most NESTED_PATIENCE without a release: a holder may be blocked on something else
            // than the budget (a rayon join that stole this task) and must not be waited for
            // forever, but one that releases shares is progressing (an unsized stream being
            // inflated on a slow machine) and is waited for afresh.
            let mut give_up = std::time::Instant::now() + NESTED_PATIENCE;
            let mut releases = state.releases;
            while state.used + extra > limit && state.holders - 1 - state.growing > 0 {
                if state.releases != releases {
                    releases = state.releases;
                    give_up = std::time::Instant::now() + NESTED_PATIENCE;
                }
                let Some(left) = give_up.checked_duration_since(std::time::Instant::now()) else {
                    break;
                };
                state.growing += 1;
                state = freed
                    .wait_timeout(state, left)
                    .map(|(s, _)| s)
                    .unwrap_or_else(|e| e.into_inner().0);
                state.growing -= 1;
            }
        }
        state.used += extra;
        drop(state);
        add_held(key, i128::from(extra));
        self.bytes = total;
    }
}

impl Drop for LaneGuard {
    fn drop(&mut self) {
        if self.bytes == 0 {
            return;
        }
        let mut state = self.budget.lock_state();
        state.used -= self.bytes;
        state.releases = state.releases.wrapping_add(1);
        if add_held(self.budget.key(), -i128::from(self.bytes)) == 0 {
            state.holders -= 1;
        }
        drop(state);
        self.budget.shared.freed.notify_all();
    }
}

/// A file or blob about to be read ([`MemoryBudget::item_buffer`]): its share of the budget
/// and, when it is large, a pooled buffer (returned to the pool when dropped).
#[derive(Debug)]
pub struct ItemBuffer {
    pooled: Option<Vec<u8>>,
    pool_limit: u64,
    _lane: LaneGuard,
}

impl ItemBuffer {
    /// Where to read the item: the pooled buffer for a large item, `small` (the caller's
    /// reusable buffer, cleared and sized) otherwise.
    pub fn buffer<'a>(&'a mut self, small: &'a mut Vec<u8>, capacity: usize) -> &'a mut Vec<u8> {
        match &mut self.pooled {
            Some(pooled) => pooled,
            None => {
                small.clear();
                small.reserve(capacity);
                small
            }
        }
    }
}

impl Drop for ItemBuffer {
    fn drop(&mut self) {
        if let Some(buf) = self.pooled.take() {
            return_large_buffer(buf, self.pool_limit);
        }
    }
}

static POOL: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// A buffer for a large item, reused from earlier large items when possible.
///
/// Large buffers are pooled process-wide instead of freed (a cache of allocations, not a
/// limit: the limits are per [`MemoryBudget`]): the allocator keeps freed memory in the arena
/// of the thread that freed it, so six threads that each once read a 24 MB file would keep
/// 144 MB resident even though only one file was in memory at a time.
pub fn large_buffer(capacity: usize) -> Vec<u8> {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    let fitting = pool
        .iter()
        .enumerate()
        .filter(|(_, b)| b.capacity() >= capacity)
        .min_by_key(|(_, b)| b.capacity())
        .map(|(i, _)| i);
    let pick = fitting.or_else(|| {
        pool.iter()
            .enumerate()
            .max_by_key(|(_, b)| b.capacity())
            .map(|(i, _)| i)
    });
    let mut buf = pick.map(|i| pool.swap_remove(i)).unwrap_or_default();
    drop(pool);
    buf.clear();
    buf.reserve(capacity);
    buf
}

/// Returns a buffer from [`large_buffer`] to the pool, which keeps at most `pool_limit` bytes
/// of capacity (the returning budget's limit); anything beyond is freed.
pub fn return_large_buffer(mut buf: Vec<u8>, pool_limit: u64) {
    buf.clear();
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    let pooled: u64 = pool.iter().map(|b| b.capacity() as u64).sum();
    if pooled + buf.capacity() as u64 <= pool_limit {
        pool.push(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pool of large buffers is process-wide: the test that checks it runs alone.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[test]
    fn two_budgets_keep_their_own_limits_and_counts() {
        let small = MemoryBudget::new(LARGE_ITEM * 4);
        let large = MemoryBudget::new(LARGE_ITEM * 64);
        let a = small.large_item(LARGE_ITEM * 3);
        let b = large.large_item(LARGE_ITEM * 40);
        assert_eq!(
            (small.in_flight(), large.in_flight()),
            (LARGE_ITEM * 3, LARGE_ITEM * 40)
        );
        assert_eq!((small.limit(), large.limit()), (LARGE_ITEM * 4, LARGE_ITEM * 64));
        drop(a);
        assert_eq!((small.in_flight(), large.in_flight()), (0, LARGE_ITEM * 40));
        drop(b);
        assert_eq!(large.in_flight(), 0);
    }

    #[test]
    fn small_items_hold_nothing_and_shares_grow() {
        let budget = MemoryBudget::default();
        let key = budget.key();
        let large_item = |bytes| budget.large_item(bytes);
        assert_eq!(large_item(10).bytes, 0);
        let mut share = budget.lane();
        share.grow_to(LARGE_ITEM);
        assert_eq!(share.bytes, 0, "up to the large-item size nothing is counted");
        share.grow_to(LARGE_ITEM * 2);
        assert_eq!(share.bytes, LARGE_ITEM * 2);
        assert_eq!(held(key), LARGE_ITEM * 2);
        // The same thread asks for more while holding a share: it does not wait for itself.
        let inner = large_item(LARGE_ITEM * 3);
        assert_eq!(held(key), LARGE_ITEM * 5);
        drop(inner);
        drop(share);
        assert_eq!(held(key), 0);
    }

    #[test]
    fn two_holders_growing_past_the_budget_do_not_wait_for_each_other() {
        use std::sync::Barrier;
        let budget = MemoryBudget::default();
        let large_item = |bytes| budget.large_item(bytes);
        let limit = budget.limit();
        let both_hold = Barrier::new(2);
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    // Each holds a third of the budget, then grows to the whole budget: they
                    // cannot both fit, and neither can finish without growing.
                    let mut share = large_item(limit / 3);
                    both_hold.wait();
                    share.grow_to(limit);
                    assert_eq!(share.bytes(), limit);
                });
            }
        });
    }

    #[test]
    fn holders_that_all_wait_to_grow_go_over_the_budget_one_at_a_time() {
        use std::sync::Barrier;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let budget = MemoryBudget::default();
        let large_item = |bytes| budget.large_item(bytes);
        let limit = budget.limit();
        let all_hold = Barrier::new(3);
        let (over_now, most_over) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let started = std::time::Instant::now();
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    // Each holds a quarter and needs the whole budget: none fits beside the
                    // others, and all three wait to grow.
                    let mut share = large_item(limit / 4);
                    all_hold.wait();
                    share.grow_to(limit);
                    let now = over_now.fetch_add(1, Ordering::SeqCst) + 1;
                    most_over.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    over_now.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(most_over.into_inner(), 1, "one holder at a time goes over the budget");
        let waited = started.elapsed();
        assert!(waited < NESTED_PATIENCE, "no one waited out its patience: {waited:?}");
        assert_eq!(budget.in_flight(), 0);
    }

    #[test]
    fn a_holder_blocked_elsewhere_is_not_waited_for_forever() {
        let budget = MemoryBudget::default();
        let large_item = |bytes| budget.large_item(bytes);
        let limit = budget.limit();
        // This thread holds half the budget and blocks on the other thread (as a rayon join
        // would): the other, growing past the budget, must go ahead after its patience.
        let held = large_item(limit / 2);
        let started = std::time::Instant::now();
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut share = large_item(LARGE_ITEM * 2);
                share.grow_to(limit);
            })
            .join()
            .expect("the grower finishes");
        });
        let waited = started.elapsed();
        assert!(waited >= NESTED_PATIENCE, "it waited for room first: {waited:?}");
        assert!(waited < NESTED_PATIENCE * 5, "then went ahead: {waited:?}");
        drop(held);
    }

    #[test]
    fn a_holder_that_keeps_releasing_shares_is_waited_for_past_the_patience() {
        let budget = MemoryBudget::default();
        let large_item = |bytes| budget.large_item(bytes);
        let in_flight = || budget.in_flight();
        let limit = budget.limit();
        // This thread holds half the budget and keeps making progress (takes and releases
        // small shares) for longer than the patience; the other, growing past the budget,
        // waits for it instead of going over the budget, and grows once the half is released.
        let held = large_item(limit / 2);
        let progress_for = NESTED_PATIENCE + NESTED_PATIENCE / 2;
        let started = std::time::Instant::now();
        std::thread::scope(|s| {
            let grower = s.spawn(|| {
                let mut share = large_item(LARGE_ITEM * 2);
                share.grow_to(limit);
                (started.elapsed(), in_flight())
            });
            while started.elapsed() < progress_for {
                drop(large_item(LARGE_ITEM * 2));
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            drop(held);
            let (waited, in_flight_then) = grower.join().expect("the grower finishes");
            assert!(
                waited >= progress_for,
                "it waited while this thread progressed: {waited:?}"
            );
            assert!(
                in_flight_then <= limit,
                "and did not go over the budget: {in_flight_then}"
            );
        });
        assert_eq!(in_flight(), 0);
    }

    #[test]
    fn large_buffers_are_reused() {
        let _serial = serial();
        let a = large_buffer(LARGE_ITEM as usize * 2);
        let capacity = a.capacity();
        let pointer = a.as_ptr();
        return_large_buffer(a, DEFAULT_IN_FLIGHT);
        let b = large_buffer(LARGE_ITEM as usize);
        // Another test may have pooled a buffer too; ours is the one with this address.
        if b.as_ptr() == pointer {
            assert_eq!(b.capacity(), capacity);
        }
        assert!(b.capacity() >= LARGE_ITEM as usize);
        return_large_buffer(b, DEFAULT_IN_FLIGHT);
    }

    #[test]
    fn large_items_in_flight_stay_within_the_budget() {
        use std::sync::mpsc::channel;
        use std::time::Duration;
        let budget = MemoryBudget::default();
        // Items of 3/8 of the budget: two fit at once, a third waits for one to finish.
        let item = budget.limit() * 3 / 8;
        let (b_budget, c_budget) = (budget.clone(), budget.clone());
        let a = budget.large_item(item);
        let (b_in, b_entered) = channel();
        let (c_in, c_entered) = channel();
        let (release_b, b_released) = channel::<()>();
        std::thread::scope(|s| {
            s.spawn(move || {
                let _b = b_budget.large_item(item);
                b_in.send(()).ok();
                b_released.recv().ok();
            });
            b_entered
                .recv_timeout(Duration::from_secs(10))
                .expect("a second item fits beside the first");
            s.spawn(move || {
                let _c = c_budget.large_item(item);
                c_in.send(()).ok();
            });
            assert!(
                c_entered.recv_timeout(Duration::from_millis(200)).is_err(),
                "a third item does not fit while two are in flight"
            );
            drop(a);
            c_entered
                .recv_timeout(Duration::from_secs(10))
                .expect("the third item goes once one is done");
            release_b.send(()).ok();
        });
    }
}

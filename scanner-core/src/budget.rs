//! The memory bound of a scan: a process-wide budget on the bytes of *large* items in flight.
//! Small items (up to [`LARGE_ITEM`]) are read and scanned in parallel freely; a large one (a
//! file or blob over that size, or an archive that may inflate past it) waits until it fits in
//! the budget (default [`DEFAULT_IN_FLIGHT`], `--max-memory`), or until nothing else large is
//! in flight when it is bigger than the whole budget. Peak memory is therefore about
//! `threads × LARGE_ITEM + max(budget, largest item)`, whatever the number of threads or the
//! size of the input.
//!
//! Shares are re-entrant per thread: a large item that contains another (an archive inside a
//! big file, a layer entry inside an image) does not wait for itself.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

/// Items up to this size are read and scanned in parallel without counting against the budget.
pub const LARGE_ITEM: u64 = 8 << 20;

/// The default budget for large items in flight at once (two files at the default
/// `--max-file-size` of 256 MiB fit, so reading one overlaps scanning the other).
pub const DEFAULT_IN_FLIGHT: u64 = 512 << 20;

static LIMIT: AtomicU64 = AtomicU64::new(DEFAULT_IN_FLIGHT);
static USED: Mutex<u64> = Mutex::new(0);
static FREED: Condvar = Condvar::new();

thread_local! {
    static HELD: Cell<bool> = const { Cell::new(false) };
}

/// Sets the process-wide budget for large items in flight (bytes). A single item larger than
/// the budget is still scanned, alone.
pub fn set_in_flight_limit(bytes: u64) {
    LIMIT.store(bytes.max(1), Ordering::Relaxed);
}

/// The current budget for large items in flight.
pub fn in_flight_limit() -> u64 {
    LIMIT.load(Ordering::Relaxed)
}

/// Holds a share of the large-item budget (or nothing, for a small item or a re-entrant use)
/// until dropped.
#[must_use = "the budget is released when the guard is dropped"]
#[derive(Debug)]
pub struct LaneGuard {
    bytes: u64,
}

impl Drop for LaneGuard {
    fn drop(&mut self) {
        if self.bytes > 0 {
            let mut used = USED.lock().unwrap_or_else(|e| e.into_inner());
            *used -= self.bytes;
            HELD.with(|h| h.set(false));
            FREED.notify_all();
        }
    }
}

/// Waits until an item of `bytes` fits in the large-item budget (or nothing else is in
/// flight), when it is large and this thread does not hold a share already; returns at once
/// otherwise.
pub fn large_item(bytes: u64) -> LaneGuard {
    if bytes <= LARGE_ITEM || HELD.with(Cell::get) {
        return LaneGuard { bytes: 0 };
    }
    let limit = in_flight_limit();
    // A panic while holding the lock poisons it; the count is still right, so go on.
    let mut used = USED.lock().unwrap_or_else(|e| e.into_inner());
    while *used > 0 && *used + bytes > limit {
        used = FREED.wait(used).unwrap_or_else(|e| e.into_inner());
    }
    *used += bytes;
    HELD.with(|h| h.set(true));
    LaneGuard { bytes }
}

/// A file or blob about to be read: its share of the budget and, when it is large, a pooled
/// buffer (returned to the pool when dropped).
#[derive(Debug)]
pub struct ItemBuffer {
    pooled: Option<Vec<u8>>,
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
            return_large_buffer(buf);
        }
    }
}

/// Reserves room for an item of `bytes` (waiting for the budget when it is large; see
/// [`large_item`]) and a buffer of `capacity` for it.
pub fn item_buffer(bytes: u64, capacity: usize) -> ItemBuffer {
    let lane = large_item(bytes);
    let pooled = (bytes > LARGE_ITEM).then(|| large_buffer(capacity));
    ItemBuffer { pooled, _lane: lane }
}

static POOL: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// A buffer for a large item, reused from earlier large items when possible.
///
/// Large buffers are pooled process-wide instead of freed: the allocator keeps freed memory in
/// the arena of the thread that freed it, so six threads that each once read a 24 MB file
/// would keep 144 MB resident even though only one file was in memory at a time.
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

/// Returns a buffer from [`large_buffer`] to the pool (which keeps at most the in-flight
/// budget's worth of capacity; anything beyond is freed).
pub fn return_large_buffer(mut buf: Vec<u8>) {
    buf.clear();
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    let pooled: u64 = pool.iter().map(|b| b.capacity() as u64).sum();
    if pooled + buf.capacity() as u64 <= in_flight_limit() {
        pool.push(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_items_do_not_wait_and_the_lane_is_reentrant() {
        let outer = large_item(LARGE_ITEM + 1);
        assert_eq!(outer.bytes, LARGE_ITEM + 1);
        let inner = large_item(LARGE_ITEM * 4);
        assert_eq!(inner.bytes, 0, "the same thread does not wait for itself");
        drop(inner);
        assert_eq!(large_item(10).bytes, 0);
        drop(outer);
        assert!(!HELD.with(Cell::get));
    }

    #[test]
    fn large_buffers_are_reused() {
        let a = large_buffer(LARGE_ITEM as usize * 2);
        let capacity = a.capacity();
        let pointer = a.as_ptr();
        return_large_buffer(a);
        let b = large_buffer(LARGE_ITEM as usize);
        // Another test may have pooled a buffer too; ours is the one with this address.
        if b.as_ptr() == pointer {
            assert_eq!(b.capacity(), capacity);
        }
        assert!(b.capacity() >= LARGE_ITEM as usize);
        return_large_buffer(b);
    }

    #[test]
    fn large_items_in_flight_stay_within_the_budget() {
        use std::sync::mpsc::channel;
        use std::time::Duration;
        // Items of 3/8 of the budget: two fit at once, a third waits for one to finish.
        let item = in_flight_limit() * 3 / 8;
        let a = large_item(item);
        let (b_in, b_entered) = channel();
        let (c_in, c_entered) = channel();
        let (release_b, b_released) = channel::<()>();
        std::thread::scope(|s| {
            s.spawn(move || {
                let _b = large_item(item);
                b_in.send(()).ok();
                b_released.recv().ok();
            });
            b_entered
                .recv_timeout(Duration::from_secs(10))
                .expect("a second item fits beside the first");
            s.spawn(move || {
                let _c = large_item(item);
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

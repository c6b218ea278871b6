//! A bump allocator for the plugin's one run (WebAssembly only).
//!
//! Every run gets a fresh instance, so memory never has to be handed back: allocation
//! is a pointer bump, freeing the newest block rolls the pointer back, and growing the
//! newest block (a `Vec` or `String` being filled) extends it in place. Other frees are
//! dropped, so a plugin's peak memory is what it ever allocated in the run.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;

const PAGE: usize = 65536;

/// The allocator: `[next, end)` is free, `last` is the newest block.
pub struct Bump {
    next: Cell<usize>,
    end: Cell<usize>,
    last: Cell<usize>,
}

// SAFETY: WebAssembly plugins are single-threaded.
unsafe impl Sync for Bump {}

impl Bump {
    /// An allocator with no memory yet.
    pub const fn new() -> Self {
        Self {
            next: Cell::new(0),
            end: Cell::new(0),
            last: Cell::new(0),
        }
    }

    /// Starts the heap where the linker put it, in the memory the module starts with:
    /// a plugin linked with a large enough `--initial-memory` then never grows its
    /// memory, which spares the host a `mprotect` at each run.
    fn start(&self) {
        unsafe extern "C" {
            static __heap_base: u8;
        }
        let base = core::ptr::addr_of!(__heap_base) as usize;
        let size = core::arch::wasm32::memory_size(0) * PAGE;
        if base < size {
            self.next.set(base);
            self.end.set(size);
        }
    }

    fn grow(&self, need: usize) -> bool {
        let pages = need.div_ceil(PAGE).max(16);
        let old = core::arch::wasm32::memory_grow(0, pages);
        if old == usize::MAX {
            return false;
        }
        let start = old * PAGE;
        if self.end.get() != start {
            self.next.set(start);
        }
        self.end.set(start + pages * PAGE);
        true
    }
}

unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if self.end.get() == 0 {
            self.start();
        }
        let align = layout.align();
        let mut start = (self.next.get() + align - 1) & !(align - 1);
        if start + layout.size() > self.end.get() || self.end.get() == 0 {
            if !self.grow(layout.size() + align) {
                return core::ptr::null_mut();
            }
            start = (self.next.get() + align - 1) & !(align - 1);
        }
        self.last.set(start);
        self.next.set(start + layout.size());
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        if ptr as usize == self.last.get() {
            self.next.set(self.last.get());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = ptr as usize;
        if p == self.last.get() && p + new_size <= self.end.get() {
            self.next.set(p + new_size);
            return ptr;
        }
        if new_size <= layout.size() {
            return ptr;
        }
        // SAFETY: the layout's alignment is valid and the new size is non-zero.
        let new = unsafe { self.alloc(Layout::from_size_align_unchecked(new_size, layout.align())) };
        if !new.is_null() {
            // SAFETY: both blocks are live and at least `layout.size()` long.
            unsafe { core::ptr::copy_nonoverlapping(ptr, new, layout.size()) };
        }
        new
    }
}

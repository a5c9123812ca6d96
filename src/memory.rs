//! Handing freed memory back to the system after a burst of work, and few arenas to keep it in.
//!
//! glibc's malloc keeps what a thread freed in that thread's arena for reuse. After a burst
//! (the search index rebuilt, a publish pass rendering and compressing feeds) an idle daemon
//! kept it all: 324 MiB resident after the rebuild at 1,000 sources, of which `malloc_trim`
//! returned 131 MiB, and 27 MiB after a restart (issue 18). Other allocators and platforms
//! return memory on their own: there this does nothing.

/// Returns free memory at the top of the heap and free whole pages inside it to the system.
/// Walks every arena: call it after a burst of work, off the async runtime, not per request.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and only rearranges the allocator's own free lists
    // under its locks; it is safe to call at any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Caps glibc's malloc arenas at the machine's cores, unless `MALLOC_ARENA_MAX` says otherwise.
/// Call first thing in `main`, before any thread starts.
///
/// glibc gives threads up to 8 arenas per core. The daemon's refreshes run on tokio's blocking
/// threads, each writing into the arena it happened to get, and what every arena kept between
/// its live blocks stayed resident: after a cold pass of 1,000 sources the idle daemon held
/// 323-328 MiB, 238 MiB with 2 arenas (issue 18). `malloc_trim` cannot return pages that still
/// hold one live block.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(2, |cores| cores.get());
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt takes no pointer; called before any other thread exists, it only
        // sets a limit glibc reads when a thread first needs an arena.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

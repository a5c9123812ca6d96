//! What the benchmarks measure of the process and the disk (`#[path]` module, as `news.rs`).

#![allow(dead_code)]

use std::path::Path;

/// What `du` counts: allocated blocks of every file under `path`.
pub fn disk_usage(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    for entry in entries.flatten() {
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        total += metadata.blocks() * 512;
        if metadata.is_dir() {
            total += disk_usage(&entry.path());
        }
    }
    total
}

/// A line of /proc/self/status (`VmRSS`, `RssAnon`, ...), in kB.
pub fn status_kb(field: &str) -> u64 {
    status_file_kb("/proc/self/status", field)
}

/// A line of /proc/PID/status, in kB (0 once the process is gone).
pub fn process_status_kb(pid: u32, field: &str) -> u64 {
    status_file_kb(&format!("/proc/{pid}/status"), field)
}

fn status_file_kb(path: &str, field: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kb| kb.parse().ok())
        })
        .unwrap_or(0)
}

/// User + system CPU ticks a process has used so far (/proc/PID/stat fields 14 and 15).
pub fn cpu_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // The command name (field 2) may hold spaces: count from after its ')'.
            let rest = &stat[stat.rfind(')')? + 2..];
            let fields: Vec<&str> = rest.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0)
}

/// The `islands` daemon binary beside this example's (`target/release/islands`), or
/// `ISLANDS_BIN`.
pub fn islands_bin() -> std::path::PathBuf {
    if let Some(bin) = std::env::var_os("ISLANDS_BIN") {
        return bin.into();
    }
    let exe = std::env::current_exe().expect("the example's path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/release/examples/")
        .join("islands")
}

/// Starts `islands serve --config CONFIG` on `port`, waits until `/healthz` answers and the
/// process has used no CPU for a whole second (start-up work such as grouping a store's
/// entries into stories is over), and returns its VmRSS in kB; then stops it (SIGTERM).
/// `None` when the binary is missing or never answers within `deadline`.
pub fn idle_daemon_rss_kb(
    bin: &Path,
    config: &Path,
    port: u16,
    deadline: std::time::Duration,
) -> Option<u64> {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    if !bin.exists() {
        eprintln!(
            "no daemon binary at {}: build it (cargo build --release)",
            bin.display()
        );
        return None;
    }
    let mut child = std::process::Command::new(bin)
        .args(["serve", "--config"])
        .arg(config)
        .current_dir(config.parent().expect("the config's folder"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the daemon");
    let pid = child.id();
    let started = Instant::now();
    let healthy = || {
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
            return false;
        };
        let _ = stream.write_all(b"GET /healthz HTTP/1.0\r\n\r\n");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200")
    };
    let mut rss = None;
    while started.elapsed() < deadline {
        if healthy() {
            let before = cpu_ticks(pid);
            std::thread::sleep(Duration::from_secs(1));
            if cpu_ticks(pid) == before {
                rss = Some(process_status_kb(pid, "VmRSS"));
                break;
            }
        } else {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();
    rss
}

/// A port of 127.0.0.1 nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

//! The real `islands` binary: [`Daemon`] runs `serve` in a temporary folder; `run_islands`
//! runs one-shot commands; `config` writes the feeds.toml every test starts from.

use super::*;

/// The `islands serve` child process, in its own temporary folder.
pub struct Daemon {
    child: Child,
    /// `None` only after [`Daemon::into_dir`] took it.
    dir: Option<TempDir>,
    /// `http://127.0.0.1:PORT` without the final slash.
    base_url: String,
    /// The daemon's stderr lines so far, when started with [`Daemon::start_in_capturing_stderr`].
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Daemon {
    /// Writes `config_toml` to `feeds.toml` in a fresh folder and serves it.
    pub fn start(config_toml: &str) -> Daemon {
        Daemon::start_in(workdir(config_toml))
    }

    /// Serves the `feeds.toml` already in `dir` (from [`workdir`] or [`Daemon::into_dir`]),
    /// with the store left there by earlier runs.
    pub fn start_in(dir: TempDir) -> Daemon {
        Daemon::launch(dir, false, &[])
    }

    /// Like [`Daemon::start_in`], but keeps the daemon's stderr (still echoed into the test log)
    /// for [`Daemon::stderr_lines`].
    pub fn start_in_capturing_stderr(dir: TempDir) -> Daemon {
        Daemon::launch(dir, true, &[])
    }

    /// Like [`Daemon::start_in_capturing_stderr`], with extra environment variables for the
    /// daemon, e.g. the authors' Micropub tokens named by `token_env` in the config.
    pub fn start_in_with_env(dir: TempDir, env: &[(&str, &str)]) -> Daemon {
        Daemon::launch(dir, true, env)
    }

    fn launch(dir: TempDir, capture_stderr: bool, env: &[(&str, &str)]) -> Daemon {
        let config = dir.path().join(CONFIG_FILE);
        let mut child = islands_command(dir.path())
            .envs(env.iter().copied())
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .stdout(Stdio::piped())
            .stderr(if capture_stderr {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .unwrap_or_else(|error| panic!("spawn {}: {error}", env!("CARGO_BIN_EXE_islands")));
        let stderr_lines = Arc::new(Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            let lines = stderr_lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    eprintln!("{line}");
                    lock(&lines).push(line);
                }
            });
        }
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, receiver) = mpsc::channel();
        // Keep reading after the first line, so the daemon never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                eprintln!("[islands stdout] {line}");
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = sender.send(url.trim().to_string());
                }
            }
        });
        let listening = blocking(|| receiver.recv_timeout(STARTUP_DEADLINE));
        match listening {
            Ok(url) => Daemon {
                child,
                dir: Some(dir),
                base_url: url.trim_end_matches('/').to_string(),
                stderr: stderr_lines,
            },
            // Stdout closed: the daemon exited (or closed it) without saying where it listens.
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // Killing a process that already exited leaves its exit status as it was.
                let _ = child.kill();
                let status = child.wait();
                panic!(
                    "islands serve stopped ({status:?}) before printing \
                     `listening on http://127.0.0.1:PORT/`; its stderr is above"
                );
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "islands serve did not print `listening on http://127.0.0.1:PORT/` within \
                     {STARTUP_DEADLINE:?}; its stderr is above"
                );
            }
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        assert!(path.starts_with('/'), "daemon paths start with /: {path}");
        format!("{}{path}", self.base_url)
    }

    /// The daemon's process id, e.g. to read its peak memory from `/proc/PID/status`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The folder holding `feeds.toml`, the store and the articles.
    pub fn dir(&self) -> &Path {
        self.dir
            .as_ref()
            .expect("the folder is kept until drop")
            .path()
    }

    /// The daemon's stderr lines so far; empty unless started with
    /// [`Daemon::start_in_capturing_stderr`].
    pub fn stderr_lines(&self) -> Vec<String> {
        lock(&self.stderr).clone()
    }

    /// Sends a signal by name (`"HUP"`, `"TERM"`, ...) with `kill(1)`.
    pub fn signal(&self, signal: &str) {
        let pid = self.pid().to_string();
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(&pid)
            .status()
            .unwrap_or_else(|error| panic!("run kill -{signal} {pid}: {error}"));
        assert!(status.success(), "kill -{signal} {pid} -> {status}");
    }

    /// Sends SIGTERM and waits for the daemon to exit; panics (after a SIGKILL) if it is still
    /// running after `deadline`.
    pub fn terminate(&mut self, deadline: Duration) -> ExitStatus {
        self.signal("TERM");
        let started = Instant::now();
        let status = blocking(|| {
            loop {
                match self.child.try_wait() {
                    Ok(Some(status)) => return Some(status),
                    Ok(None) if started.elapsed() < deadline => {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Ok(None) => return None,
                    Err(error) => panic!("waiting for islands serve: {error}"),
                }
            }
        });
        status.unwrap_or_else(|| {
            self.stop();
            panic!("islands serve was still running {deadline:?} after SIGTERM");
        })
    }

    /// Stops the daemon and hands back its folder, so another run can reuse the store.
    pub fn into_dir(mut self) -> TempDir {
        self.stop();
        self.dir.take().expect("the folder is kept until drop")
    }

    /// Runs `islands ARGS --config DIR/feeds.toml` to completion in `dir`, e.g. `&["fetch"]`.
    pub fn run_cli(args: &[&str], dir: &Path) -> Output {
        let mut all_args: Vec<&str> = args.to_vec();
        let config = dir.join(CONFIG_FILE);
        let config = config.to_str().expect("temporary paths are UTF-8");
        all_args.extend(["--config", config]);
        run_islands(&all_args, dir)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A fresh folder holding `feeds.toml` and an empty `articles/`, ready for the daemon.
pub fn workdir(config_toml: &str) -> TempDir {
    let dir = tempfile::tempdir().expect("create a temporary folder");
    std::fs::write(dir.path().join(CONFIG_FILE), config_toml).expect("write feeds.toml");
    std::fs::create_dir(dir.path().join("articles")).expect("create articles/");
    dir
}

/// Runs `islands ARGS` to completion in `current_dir`, echoing its output into the test log.
pub fn run_islands(args: &[&str], current_dir: &Path) -> Output {
    let output = blocking(|| islands_command(current_dir).args(args).output())
        .unwrap_or_else(|error| panic!("run islands {args:?}: {error}"));
    echo_output(args, &output);
    output
}

/// Like [`run_islands`], but kills the command and panics if it runs longer than `deadline`
/// (e.g. `serve`, which must refuse a bad config rather than start).
pub fn run_islands_within(args: &[&str], current_dir: &Path, deadline: Duration) -> Output {
    let mut child = islands_command(current_dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("run islands {args:?}: {error}"));
    let read_all = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().expect("stdout is piped")));
    let stderr = read_all(Box::new(child.stderr.take().expect("stderr is piped")));
    let started = Instant::now();
    let status = blocking(|| {
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if started.elapsed() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return None;
                }
                Err(error) => panic!("waiting for islands {args:?}: {error}"),
            }
        }
    });
    let output = Output {
        status: status.unwrap_or_else(|| {
            panic!("islands {args:?} was still running after {deadline:?}; killed it")
        }),
        stdout: stdout.join().expect("the stdout reader does not panic"),
        stderr: stderr.join().expect("the stderr reader does not panic"),
    };
    echo_output(args, &output);
    output
}

/// Echoes a finished `islands ARGS` into the test log.
fn echo_output(args: &[&str], output: &Output) {
    eprintln!(
        "islands {args:?} -> {}\n--- stdout\n{}--- stderr\n{}---",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn islands_command(current_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_islands"));
    command
        .current_dir(current_dir)
        .env("RUST_LOG", "islands=debug")
        .env("RUST_BACKTRACE", "1");
    without_proxy(&mut command);
    command
}

/// Keeps `command` (the daemon, or a client such as python3) from using a proxy: it only ever
/// talks to 127.0.0.1.
pub fn without_proxy(command: &mut Command) -> &mut Command {
    command
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    for variable in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
        command
            .env_remove(variable)
            .env_remove(variable.to_lowercase());
    }
    command
}

/// A config in the shipped format with a one-second schedule: `regions` maps a region slug to its
/// sources as (name, upstream path).
pub fn config(upstream: &Upstream, regions: &[(&str, &[(&str, &str)])]) -> String {
    let mut text = String::from(
        r#"[site]
title = "World, As Seen from the most beautiful islands: Ireland and Cyprus"
subtitle = "From Trinity st. to Limassol, Cyprus"
base_url = "http://127.0.0.1:8080/"
language = "en"
contact = "tips@islands.example"

[server]
listen = "127.0.0.1:0"

[store]
path = "store"

[schedule]
refresh = "*/1 * * * * *"

[fetch]
timeout = "3s"
connect_timeout = "2s"
max_body_bytes = 10485760
max_redirects = 5
max_in_flight = 8
backoff_base = "1s"
backoff_max = "24h"

[articles]
dir = "articles"

[ingest]
# The flood guard (issue 16) has its own tests (rules.rs); the others expect every entry of a
# first fetch in the feeds.
first_fetch_items = 100000

[authors.grace-kennedy]
name = "Grace Kennedy"
bio = "A leading journalist and columnist of events in Ireland and beyond."
"#,
    );
    for (slug, sources) in regions {
        let mut name = slug.to_string();
        if let Some(first) = name.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        text.push_str(&format!(
            "\n[[region]]\nslug = {}\nname = {}\n",
            toml_value(slug),
            toml_value(&name)
        ));
        for (source_name, path) in *sources {
            text.push_str(&format!(
                "\n[[region.source]]\nname = {}\nurl = {}\n",
                toml_value(source_name),
                toml_value(&upstream.url(path))
            ));
        }
    }
    text
}

/// A TOML string or array of strings: JSON's syntax for them is a subset of TOML's.
pub fn toml_value(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("strings serialize")
}

/// `config_toml` with its one `from` replaced by `to`; panics unless `from` is there exactly once,
/// so a change to [`config`] cannot silently void a test's edit.
pub fn edit_config(config_toml: &str, from: &str, to: &str) -> String {
    assert_eq!(
        config_toml.matches(from).count(),
        1,
        "the test config holds {from:?} once:\n{config_toml}"
    );
    config_toml.replacen(from, to, 1)
}

//! baresip (Debian `baresip-core`) as a headless phone: its own config
//! directory, an account registering through the switch, audio from a WAV
//! file, both directions recorded by `sndfile`, driven over `ctrl_tcp`
//! (netstring-framed JSON; see ../shared/PEERS.md).

use crate::ports::free_tcp_port;
use std::fs;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running baresip.
pub struct Baresip {
    child: Child,
    dir: PathBuf,
    ctrl_port: u16,
}

/// A port `p` with `p` and `p + 1` free (baresip opens TLS on `p + 1`).
fn free_port_pair() -> u16 {
    loop {
        let port = free_tcp_port();
        if port < u16::MAX && TcpListener::bind((Ipv4Addr::LOCALHOST, port + 1)).is_ok() {
            return port;
        }
    }
}

impl Baresip {
    /// Starts baresip in `dir` as `user@domain` (password `password`),
    /// registering through the switch at `127.0.0.1:switch_port`, sending
    /// `source_wav` and answering calls by itself.
    pub fn start(
        dir: &Path,
        user: &str,
        domain: &str,
        password: &str,
        switch_port: u16,
        source_wav: &Path,
    ) -> Baresip {
        let sip_port = free_port_pair();
        let ctrl_port = free_tcp_port();
        let rtp_base = free_tcp_port().clamp(10_000, 60_000);
        let rec = dir.join("rec");
        fs::create_dir_all(&rec).expect("create the recording dir");
        let config = format!(
            "poll_method epoll\n\
             sip_listen 127.0.0.1:{sip_port}\n\
             net_interface 127.0.0.1\n\
             audio_player aubridge,nil\n\
             audio_source aufile,{source}\n\
             audio_alert aubridge,nil\n\
             rtp_ports {rtp_base}-{rtp_end}\n\
             module_path /usr/lib/baresip/modules\n\
             module g711.so\n\
             module aufile.so\n\
             module aubridge.so\n\
             module sndfile.so\n\
             module_app account.so\n\
             module_app menu.so\n\
             module_app ctrl_tcp.so\n\
             ctrl_tcp_listen 127.0.0.1:{ctrl_port}\n\
             snd_path {rec}\n",
            source = source_wav.display(),
            rtp_end = rtp_base + 19,
            rec = rec.display(),
        );
        fs::write(dir.join("config"), config).expect("write the baresip config");
        fs::write(
            dir.join("accounts"),
            format!(
                "<sip:{user}@{domain}>;auth_pass={password};outbound=\"sip:127.0.0.1:{switch_port}\";regint=60;answermode=auto;audio_codecs=pcmu\n"
            ),
        )
        .expect("write the baresip accounts");
        let log = fs::File::create(dir.join("baresip.log")).expect("baresip log");
        let child = Command::new("baresip")
            .arg("-f")
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("start baresip (Debian package baresip-core)");
        Baresip {
            child,
            dir: dir.to_path_buf(),
            ctrl_port,
        }
    }

    /// Sends a ctrl_tcp command and returns the raw reply (events included).
    pub fn command(&self, command: &str, params: &str) -> String {
        let mut stream = match TcpStream::connect((Ipv4Addr::LOCALHOST, self.ctrl_port)) {
            Ok(stream) => stream,
            Err(e) => return format!("connect failed: {e}"),
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let body =
            format!("{{\"command\":\"{command}\",\"params\":\"{params}\",\"token\":\"e2e\"}}");
        let _ = stream.write_all(format!("{}:{body},", body.len()).as_bytes());
        let mut reply = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stream.read(&mut chunk) {
            if n == 0 {
                break;
            }
            reply.extend_from_slice(&chunk[..n]);
            if String::from_utf8_lossy(&reply).contains("\"response\"") {
                break;
            }
        }
        String::from_utf8_lossy(&reply).into_owned()
    }

    /// The recording of what this phone received (`*-dec.wav`), if any.
    pub fn received_recording(&self) -> Option<PathBuf> {
        fs::read_dir(self.dir.join("rec"))
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
    }

    /// baresip's own log.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("baresip.log")).unwrap_or_default()
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

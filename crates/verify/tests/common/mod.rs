//! Local HTTPS servers impersonating providers, on 127.0.0.1 only, with certificates from a
//! CA made at test time; and helpers to point a [`Verifier`] at them.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use leakscan_rules::VerifySpec;
use leakscan_verify::{EndpointOverrides, Verdict, Verifier, VerifyOptions, VerifyRequest};

/// Hosts the built-in rules verify against, impersonated in tests/builtin.rs.
pub const BUILTIN_HOSTS: &[&str] = &[
    "sts.amazonaws.com",
    "api.github.com",
    "gitlab.com",
    "slack.com",
    "api.stripe.com",
    "api.openai.com",
    "api.anthropic.com",
    "api.digitalocean.com",
    "huggingface.co",
    "api.airtable.com",
    "api.assemblyai.com",
    "api.box.com",
    "api.brevo.com",
    "api.buildkite.com",
    "api.clickup.com",
    "api.cloudflare.com",
    "api.cohere.com",
    "api.contentful.com",
    "api.datadoghq.com",
    "api.deepgram.com",
    "api.deepseek.com",
    "api.doppler.com",
    "api.dropboxapi.com",
    "api.elevenlabs.io",
    "api.fastly.com",
    "api.figma.com",
    "api.getpostman.com",
    "api.groq.com",
    "api.heroku.com",
    "api.hubapi.com",
    "api.intercom.io",
    "api.linear.app",
    "api.linode.com",
    "api.mailgun.net",
    "api.mapbox.com",
    "api.mistral.ai",
    "api.netlify.com",
    "api.notion.com",
    "api.pagerduty.com",
    "api.pinecone.io",
    "api.postmarkapp.com",
    "api.pulumi.com",
    "api.render.com",
    "api.replicate.com",
    "api.sendgrid.com",
    "api.supabase.com",
    "api.tailscale.com",
    "api.telegram.org",
    "api.together.xyz",
    "api.typeform.com",
    "api.vercel.com",
    "api.x.ai",
    "app.asana.com",
    "app.launchdarkly.com",
    "app.terraform.io",
    "circleci.com",
    "discord.com",
    "openrouter.ai",
    "registry.npmjs.org",
    "sentry.io",
    "webexapis.com",
    // Hosts from a capture group, as tests/builtin.rs renders them (see `GROUPS` there).
    "us6.api.mailchimp.com",
];

/// The test CA (PEM) and a server configuration whose certificate it signed, valid for
/// `*.provider.test`, `provider.test` and [`BUILTIN_HOSTS`].
pub struct Pki {
    pub ca_pem: String,
    pub server: Arc<rustls::ServerConfig>,
}

pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "leakscan-verify test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let names = vec![
            "*.provider.test".to_string(),
            "provider.test".to_string(),
            "*.shop.provider.test".to_string(),
        ];
        // The hosts of the built-in rules' verify tables (see tests/builtin.rs).
        let names: Vec<String> = names
            .into_iter()
            .chain(BUILTIN_HOSTS.iter().map(|h| h.to_string()))
            .collect();
        let leaf = CertificateParams::new(names)
            .unwrap()
            .signed_by(&leaf_key, &ca)
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
            )
            .unwrap();
        Pki {
            ca_pem: ca.pem(),
            server: Arc::new(config),
        }
    })
}

/// A request as a mock server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// Lower-case names.
    pub headers: BTreeMap<String, String>,
    pub body: String,
    pub at: Instant,
}

impl Seen {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
}

/// What a mock server answers.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Waited before answering.
    pub delay: Duration,
    /// Sent as is instead of an HTTP answer.
    pub raw: Option<Vec<u8>>,
}

impl Reply {
    pub fn new(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.to_string(),
            ..Reply::default()
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// Counts requests in flight over any number of servers, and the most at once.
#[derive(Debug, Default)]
pub struct Gauge {
    now: AtomicUsize,
    pub max: AtomicUsize,
}

/// A running mock server (its threads end with the test process).
pub struct Server {
    pub addr: SocketAddr,
    /// TCP connections accepted.
    pub connections: Arc<AtomicUsize>,
    pub requests: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub fn seen(&self) -> Vec<Seen> {
        self.requests.lock().unwrap().clone()
    }

    pub fn connection_count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

/// An HTTPS server on 127.0.0.1; `handler` gets each request and its number (from 0).
pub fn serve(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Server {
    serve_with(Arc::new(Gauge::default()), handler)
}

/// [`serve`], counting in-flight requests on `gauge`.
pub fn serve_with(gauge: Arc<Gauge>, handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let handler: Arc<Handler> = Arc::new(handler);
    let count = Arc::new(AtomicUsize::new(0));
    {
        let (connections, requests) = (connections.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                connections.fetch_add(1, Ordering::SeqCst);
                let (handler, requests, gauge, count) =
                    (handler.clone(), requests.clone(), gauge.clone(), count.clone());
                std::thread::spawn(move || {
                    let _ = connection(stream, &*handler, &requests, &gauge, &count);
                });
            }
        });
    }
    Server {
        addr,
        connections,
        requests,
    }
}

fn connection(
    tcp: TcpStream,
    handler: &Handler,
    requests: &Mutex<Vec<Seen>>,
    gauge: &Gauge,
    count: &AtomicUsize,
) -> std::io::Result<()> {
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    let conn = rustls::ServerConnection::new(pki().server.clone()).map_err(std::io::Error::other)?;
    let mut reader = BufReader::new(rustls::StreamOwned::new(conn, tcp));
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or_default().to_string(),
            parts.next().unwrap_or_default().to_string(),
        );
        let mut headers = BTreeMap::new();
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
            }
        }
        let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let seen = Seen {
            method,
            path,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            at: Instant::now(),
        };
        requests.lock().unwrap().push(seen.clone());
        let now = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
        gauge.max.fetch_max(now, Ordering::SeqCst);
        let reply = handler(&seen, count.fetch_add(1, Ordering::SeqCst));
        std::thread::sleep(reply.delay);
        gauge.now.fetch_sub(1, Ordering::SeqCst);
        let stream = reader.get_mut();
        if let Some(raw) = &reply.raw {
            stream.write_all(raw)?;
            stream.flush()?;
            return Ok(());
        }
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Length: {}\r\n",
            reply.status,
            phrase(reply.status),
            reply.body.len()
        );
        for (name, value) in &reply.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(reply.body.as_bytes())?;
        stream.flush()?;
    }
}

fn phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        401 => "Unauthorized",
        403 => "Forbidden",
        429 => "Too Many Requests",
        _ => "Whatever",
    }
}

/// A spec from the TOML of a `[verify]` table, checked as a rule load would (groups aside).
pub fn spec(toml_text: &str) -> Arc<VerifySpec> {
    let spec = unchecked_spec(toml_text);
    spec.validate(None).unwrap();
    spec
}

/// A spec from TOML, not validated (to test what the verifier does with a bad one).
pub fn unchecked_spec(toml_text: &str) -> Arc<VerifySpec> {
    #[derive(serde::Deserialize)]
    struct Wrapper {
        verify: VerifySpec,
    }
    Arc::new(toml::from_str::<Wrapper>(toml_text).unwrap().verify)
}

/// A `kind = "http"` spec: GET `url` with the secret as a bearer token, live on 200
/// (identity `login` from JSON), revoked on 401; `extra` is appended to the table.
pub fn bearer_spec(url: &str, extra: &str) -> Arc<VerifySpec> {
    spec(&format!(
        r#"
        [verify]
        kind = "http"
        docs = "https://provider.test/docs/whoami"
        method = "GET"
        url = "{url}"
        headers = {{ Authorization = "Bearer {{{{secret}}}}" }}
        live = [{{ status = [200], json = "/login" }}]
        revoked = [{{ status = [401] }}]
        identity = [{{ name = "login", json = "/login" }}]
        {extra}
        "#
    ))
}

pub fn request(spec: &Arc<VerifySpec>, secret: &str) -> VerifyRequest {
    request_with(spec, secret, &[])
}

pub fn request_with(spec: &Arc<VerifySpec>, secret: &str, groups: &[(&str, &str)]) -> VerifyRequest {
    VerifyRequest {
        rule_id: "test-rule".into(),
        spec: spec.clone(),
        secret: secret.as_bytes().to_vec(),
        groups: groups
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect(),
    }
}

/// Test options: short timeouts, no per-host interval unless set.
pub fn options() -> VerifyOptions {
    VerifyOptions {
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        per_host_min_interval: Duration::ZERO,
        ..VerifyOptions::default()
    }
}

/// A verifier whose requests for `hosts` go to the given servers (nothing else resolves).
pub fn verifier(hosts: &[(&str, SocketAddr)], options: VerifyOptions) -> Verifier {
    Verifier::new(VerifyOptions {
        endpoint_overrides: Some(EndpointOverrides {
            hosts: hosts.iter().map(|(h, a)| (h.to_string(), *a)).collect(),
            root_ca_pem: pki().ca_pem.clone(),
        }),
        ..options
    })
    .unwrap()
}

/// Asserts that no part of a verdict shows the secret.
pub fn assert_no_secret(verdict: &Verdict, secret: &str) {
    assert!(
        !verdict.reason.contains(secret),
        "the reason shows the secret: {verdict:?}"
    );
    for field in &verdict.identity {
        assert!(
            !field.value.contains(secret),
            "an identity field shows the secret: {verdict:?}"
        );
    }
}

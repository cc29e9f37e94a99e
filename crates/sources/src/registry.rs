//! Pulling images from a registry over the OCI distribution API (`/v2/`): image references,
//! credentials (environment, `~/.docker/config.json`, credential helpers), the bearer-token
//! and basic authentication handshakes, manifests, and streamed blobs. Nothing is written to
//! disk: layers are read from the network straight into the layer scanner.

use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Media types we accept for manifests, most specific first.
const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// Manifests and configs are small; a larger one is refused rather than read into memory.
const MAX_DOCUMENT: u64 = 16 << 20;

/// Docker Hub's name in references, and the host its API is served from.
const DOCKER_HUB: &str = "docker.io";
const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// A parsed image reference: `[registry/]repository[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReference {
    /// The registry host (and port), `docker.io` for Docker Hub.
    pub registry: String,
    /// The repository path, `library/…` for Docker Hub's official images.
    pub repository: String,
    /// The tag (`latest` when neither tag nor digest is given).
    pub tag: Option<String>,
    /// The manifest digest (`sha256:…`), when pinned.
    pub digest: Option<String>,
}

impl ImageReference {
    /// Parses a reference the way `docker pull` does. An optional `docker://` prefix is
    /// accepted. The first path component is a registry when it contains `.` or `:` or is
    /// `localhost`; otherwise the image is on Docker Hub.
    pub fn parse(text: &str) -> Result<ImageReference, ReferenceError> {
        let text = text.strip_prefix("docker://").unwrap_or(text);
        let invalid = |problem| ReferenceError {
            text: text.to_string(),
            problem,
        };
        if text.is_empty() {
            return Err(invalid(ReferenceProblem::Empty));
        }
        let (name, digest) = match text.split_once('@') {
            Some((name, digest)) => {
                let (algo, hex) = digest
                    .split_once(':')
                    .ok_or_else(|| invalid(ReferenceProblem::DigestWithoutAlgorithm))?;
                if algo != "sha256" || hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(invalid(ReferenceProblem::UnsupportedDigest));
                }
                (name, Some(digest.to_ascii_lowercase()))
            }
            None => (text, None),
        };
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name[last_slash..].rfind(':') {
            Some(i) => (&name[..last_slash + i], Some(name[last_slash + i + 1..].to_string())),
            None => (name, None),
        };
        if let Some(tag) = &tag {
            let ok = !tag.is_empty()
                && tag.len() <= 128
                && !tag.starts_with(['.', '-'])
                && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
            if !ok {
                return Err(invalid(ReferenceProblem::InvalidTag));
            }
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
                (first.to_string(), rest.to_string())
            }
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        let component_ok = |c: &str| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
                && c.as_bytes()[0].is_ascii_alphanumeric()
        };
        if !repository.split('/').all(component_ok) {
            return Err(invalid(ReferenceProblem::InvalidRepository));
        }
        let tag = tag.or_else(|| digest.is_none().then(|| "latest".to_string()));
        Ok(ImageReference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The tag or digest to fetch the manifest by (the digest wins when both are given).
    pub fn manifest_reference(&self) -> &str {
        self.digest.as_deref().or(self.tag.as_deref()).unwrap_or("latest")
    }

    /// Whether the registry is on this machine (`localhost`, `127.x.x.x`, `[::1]`): plain
    /// HTTP is used for those, as `docker` does.
    pub fn is_loopback(&self) -> bool {
        let host = host_of(&self.registry);
        host == "localhost" || host.starts_with("127.") || host == "[::1]" || host == "::1"
    }

    /// The host the API is served from.
    fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }
}

impl std::fmt::Display for ImageReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// An image reference that cannot be parsed ([`ImageReference::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an image reference: {problem}")]
pub struct ReferenceError {
    /// The reference as given (without a `docker://` prefix).
    pub text: String,
    /// What is wrong with it.
    pub problem: ReferenceProblem,
}

/// What is wrong with an image reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceProblem {
    /// The reference is empty.
    #[error("it is empty")]
    Empty,
    /// `@digest` without `algorithm:`.
    #[error("the digest has no algorithm")]
    DigestWithoutAlgorithm,
    /// A digest other than sha256 with 64 hex digits.
    #[error("only sha256 digests of 64 hex digits are supported")]
    UnsupportedDigest,
    /// The tag is empty, too long, starts with `.` or `-`, or has other characters than
    /// letters, digits, `_`, `.` and `-`.
    #[error("the tag is not valid")]
    InvalidTag,
    /// A repository path component is empty or has characters a repository name cannot.
    #[error("repository names are lowercase letters, digits, `.`, `_`, `-` and `/`")]
    InvalidRepository,
}

/// Why credentials for a registry could not be looked up ([`find_credentials`]). Anonymous
/// access (nothing found, or a credential helper that has nothing) is not an error.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// `LEAKSCAN_REGISTRY_USERNAME` without `LEAKSCAN_REGISTRY_PASSWORD`.
    #[error("LEAKSCAN_REGISTRY_USERNAME is set but LEAKSCAN_REGISTRY_PASSWORD is not")]
    PasswordMissing,
    /// A docker config file exists but cannot be read.
    #[error("{}: {error}", file.display())]
    ConfigUnreadable {
        /// The file.
        file: std::path::PathBuf,
        /// The read error.
        error: std::io::Error,
    },
    /// A docker config file is not valid JSON of the expected shape.
    #[error("{}: not a docker config: {error}", file.display())]
    ConfigInvalid {
        /// The file.
        file: std::path::PathBuf,
        /// The parse error.
        error: serde_json::Error,
    },
    /// An `auths` entry's `auth` value cannot be decoded.
    #[error("{file}: the `auth` entry for {registry} is {problem}")]
    AuthEntry {
        /// The config file, as displayed.
        file: String,
        /// The registry the entry is for.
        registry: String,
        /// What is wrong with it.
        problem: AuthEntryProblem,
    },
    /// A `credHelpers` / `credsStore` name that is not a plain program-name suffix.
    #[error("credential helper name `{0}` is not valid")]
    InvalidHelperName(String),
    /// The credential helper could not be run or talked to.
    #[error("credential helper {program}: {error}")]
    HelperFailed {
        /// The program (`docker-credential-…`).
        program: String,
        /// The error from starting it or exchanging data with it.
        error: std::io::Error,
    },
    /// The credential helper succeeded but did not print credentials as JSON.
    #[error("credential helper {0} printed something that is not credentials")]
    HelperAnswer(String),
}

/// What is wrong with the `auth` value of a docker config's `auths` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthEntryProblem {
    /// Not base64.
    #[error("not base64")]
    NotBase64,
    /// Decodes to bytes that are not UTF-8.
    #[error("not UTF-8")]
    NotUtf8,
    /// Decodes to text without a `:` between user and password.
    #[error("not `user:password`")]
    NotUserPassword,
}

/// Why talking to a registry failed ([`RegistryClient`]). The messages name the URL and, for
/// authentication problems, what to set.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Credentials could not be looked up.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// The request or the read of its response failed (connection, timeout, size limit).
    #[error("{url}: {}", transport_message(error))]
    Transport {
        /// The URL requested.
        url: String,
        /// The error from the HTTP client.
        error: ureq::Error,
    },
    /// The registry answered with a status other than success (after authentication).
    #[error("{url}: HTTP {status}{}{}", status_hint(*status), detail.as_ref().map_or_else(String::new, |d| format!(": {} {}", d.code, d.message)))]
    Status {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: ureq::http::StatusCode,
        /// The first error the registry listed in its JSON body, if any.
        detail: Option<RegistryErrorEntry>,
    },
    /// A manifest fetched by digest does not hash to that digest.
    #[error("manifest {reference} from {base} does not match its digest (got {actual})")]
    DigestMismatch {
        /// The digest asked for.
        reference: String,
        /// The registry's base URL.
        base: String,
        /// The digest of what it sent.
        actual: String,
    },
    /// A schema 1 manifest (deprecated, unsupported).
    #[error("schema 1 manifests are deprecated and not supported")]
    Schema1,
    /// Still 401 after answering the authentication challenge.
    #[error(
        "authentication failed (401 Unauthorized; {}). Set LEAKSCAN_REGISTRY_USERNAME and \
         LEAKSCAN_REGISTRY_PASSWORD, or run `docker login {registry}`",
        credentials_from.as_ref().map_or_else(|| "no credentials were found".to_string(), |from| format!("credentials from {from}"))
    )]
    AuthenticationFailed {
        /// The registry (for the `docker login` hint).
        registry: String,
        /// Where the credentials that were refused came from; `None`: there were none.
        credentials_from: Option<String>,
    },
    /// A basic-auth challenge, and no user name and password.
    #[error(
        "the registry requires a user name and password (401 Unauthorized). Set \
         LEAKSCAN_REGISTRY_USERNAME and LEAKSCAN_REGISTRY_PASSWORD, or run `docker login {registry}`"
    )]
    BasicAuthRequired {
        /// The registry (for the `docker login` hint).
        registry: String,
    },
    /// A bearer challenge without a realm.
    #[error("the registry's bearer challenge has no realm")]
    NoRealm,
    /// A token realm that is not an `http://` or `https://` URL.
    #[error("the token realm `{0}` is not an HTTP URL")]
    RealmNotHttp(String),
    /// A plain-HTTP token realm for a registry reached over HTTPS, with credentials to send.
    #[error("the token realm `{0}` is plain HTTP; refusing to send credentials over it")]
    PlainHttpRealm(String),
    /// The token request could not be made.
    #[error("token request to {realm}: {error}")]
    TokenRequest {
        /// The token service URL.
        realm: String,
        /// The error from the HTTP client.
        error: ureq::Error,
    },
    /// The token service answered with a status other than success.
    #[error(
        "the token service {realm} refused the request: HTTP {status}{}",
        if *anonymous { " (no credentials were found; set LEAKSCAN_REGISTRY_USERNAME and LEAKSCAN_REGISTRY_PASSWORD)" } else { "" }
    )]
    TokenRefused {
        /// The token service URL.
        realm: String,
        /// The HTTP status.
        status: ureq::http::StatusCode,
        /// Whether the request carried no credentials.
        anonymous: bool,
    },
    /// The token service's answer could not be read.
    #[error("token response: {0}")]
    TokenResponse(ureq::Error),
    /// The token service's answer is not JSON.
    #[error("the token service's answer is not JSON")]
    TokenNotJson,
    /// The token service's answer has no (non-empty) token.
    #[error("the token service returned no token")]
    NoToken,
    /// A 401 without a `WWW-Authenticate` header.
    #[error("401 Unauthorized without a WWW-Authenticate challenge")]
    NoChallenge,
    /// A challenge scheme other than basic and bearer.
    #[error("unsupported authentication scheme `{0}`")]
    UnsupportedScheme(String),
}

/// An HTTP client error in words; a timeout says so plainly.
fn transport_message(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Timeout(_) => "timed out".to_string(),
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => "timed out".to_string(),
        ureq::Error::BodyExceedsLimit(limit) => format!("the response is larger than {limit} bytes"),
        other => other.to_string(),
    }
}

/// What a failure status usually means, for the message.
fn status_hint(status: ureq::http::StatusCode) -> &'static str {
    match status.as_u16() {
        404 => " (no such repository, tag or blob)",
        403 => " (the credentials do not allow pulling this repository)",
        429 => " (rate limited; try again later or log in)",
        _ => "",
    }
}

/// `host:port` → `host` (keeps bracketed IPv6 literals whole).
fn host_of(registry: &str) -> &str {
    if registry.starts_with('[') {
        return registry.split_inclusive(']').next().unwrap_or(registry);
    }
    registry.split(':').next().unwrap_or(registry)
}

/// Credentials for one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A user name and password (or personal access token), for basic auth or a token request.
    Basic {
        /// The user name.
        username: String,
        /// The password or access token.
        password: String,
    },
    /// A ready-made bearer token, sent as is.
    Bearer(String),
    /// An OAuth2 refresh token (`identitytoken` in a docker config), exchanged at the token
    /// service for an access token.
    RefreshToken(String),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Credentials::Bearer(_) => write!(f, "Bearer(***)"),
            Credentials::RefreshToken(_) => write!(f, "RefreshToken(***)"),
        }
    }
}

/// Where the credentials came from (for messages; never the credentials themselves).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCredentials {
    /// The credentials.
    pub credentials: Credentials,
    /// A description of their source, e.g. `LEAKSCAN_REGISTRY_USERNAME` or a file path.
    pub source: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DockerConfig {
    #[serde(default)]
    auths: std::collections::BTreeMap<String, DockerAuth>,
    #[serde(default)]
    cred_helpers: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    creds_store: Option<String>,
}

#[derive(Deserialize, Default)]
struct DockerAuth {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
    #[serde(default)]
    registrytoken: Option<String>,
}

/// Finds credentials for `registry`, in order: `LEAKSCAN_REGISTRY_TOKEN`;
/// `LEAKSCAN_REGISTRY_USERNAME` with `LEAKSCAN_REGISTRY_PASSWORD`; the file named by
/// `REGISTRY_AUTH_FILE`; `$DOCKER_CONFIG/config.json` or `~/.docker/config.json` (`auths`,
/// then `credHelpers` / `credsStore`, which run the user's own `docker-credential-*` helper).
/// `Ok(None)` means anonymous access.
pub fn find_credentials(registry: &str) -> Result<Option<FoundCredentials>, CredentialsError> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(token) = env("LEAKSCAN_REGISTRY_TOKEN") {
        return Ok(Some(FoundCredentials {
            credentials: Credentials::Bearer(token),
            source: "LEAKSCAN_REGISTRY_TOKEN".into(),
        }));
    }
    if let Some(username) = env("LEAKSCAN_REGISTRY_USERNAME") {
        let password = env("LEAKSCAN_REGISTRY_PASSWORD").ok_or(CredentialsError::PasswordMissing)?;
        return Ok(Some(FoundCredentials {
            credentials: Credentials::Basic { username, password },
            source: "LEAKSCAN_REGISTRY_USERNAME/LEAKSCAN_REGISTRY_PASSWORD".into(),
        }));
    }
    let mut files = Vec::new();
    if let Some(file) = env("REGISTRY_AUTH_FILE") {
        files.push(std::path::PathBuf::from(file));
    }
    if let Some(dir) = env("DOCKER_CONFIG") {
        files.push(std::path::Path::new(&dir).join("config.json"));
    } else if let Some(home) = env("HOME") {
        files.push(std::path::Path::new(&home).join(".docker").join("config.json"));
    }
    for file in files {
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(CredentialsError::ConfigUnreadable { file, error }),
        };
        let config: DockerConfig = match serde_json::from_slice(&bytes) {
            Ok(config) => config,
            Err(error) => return Err(CredentialsError::ConfigInvalid { file, error }),
        };
        if let Some(found) = from_docker_config(&config, registry, &file.display().to_string())? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// The keys a registry may be stored under in `auths`.
fn config_keys(registry: &str) -> Vec<String> {
    let mut keys = vec![
        registry.to_string(),
        format!("https://{registry}"),
        format!("https://{registry}/v1/"),
        format!("https://{registry}/v2/"),
        format!("http://{registry}"),
    ];
    if registry == DOCKER_HUB {
        keys.extend(
            [
                "https://index.docker.io/v1/",
                "index.docker.io",
                DOCKER_HUB_API,
                "https://registry-1.docker.io",
            ]
            .map(String::from),
        );
    }
    keys
}

fn from_docker_config(
    config: &DockerConfig,
    registry: &str,
    file: &str,
) -> Result<Option<FoundCredentials>, CredentialsError> {
    let keys = config_keys(registry);
    if let Some(helper) = keys.iter().find_map(|k| config.cred_helpers.get(k)) {
        return credential_helper(helper, registry);
    }
    if let Some(auth) = keys.iter().find_map(|k| config.auths.get(k)) {
        let source = format!("{file} (auths)");
        if let Some(token) = &auth.registrytoken {
            return Ok(Some(FoundCredentials {
                credentials: Credentials::Bearer(token.clone()),
                source,
            }));
        }
        let pair = match (&auth.auth, &auth.username, &auth.password) {
            (Some(encoded), _, _) if !encoded.is_empty() => {
                let bad = |problem| CredentialsError::AuthEntry {
                    file: file.to_string(),
                    registry: registry.to_string(),
                    problem,
                };
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .map_err(|_| bad(AuthEntryProblem::NotBase64))?;
                let decoded = String::from_utf8(decoded).map_err(|_| bad(AuthEntryProblem::NotUtf8))?;
                let (u, p) = decoded
                    .split_once(':')
                    .ok_or_else(|| bad(AuthEntryProblem::NotUserPassword))?;
                Some((u.to_string(), p.to_string()))
            }
            (_, Some(u), Some(p)) => Some((u.clone(), p.clone())),
            _ => None,
        };
        if let Some((username, password)) = pair {
            return Ok(Some(FoundCredentials {
                credentials: Credentials::Basic { username, password },
                source,
            }));
        }
        if let Some(token) = &auth.identitytoken {
            return Ok(Some(FoundCredentials {
                credentials: Credentials::RefreshToken(token.clone()),
                source,
            }));
        }
    }
    if let Some(store) = &config.creds_store {
        return credential_helper(store, registry);
    }
    Ok(None)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperAnswer {
    username: String,
    secret: String,
}

/// Runs the user's `docker-credential-<helper> get` (their own configured program, never
/// anything from a scanned input).
fn credential_helper(helper: &str, registry: &str) -> Result<Option<FoundCredentials>, CredentialsError> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    if !helper.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
        return Err(CredentialsError::InvalidHelperName(helper.to_string()));
    }
    let program = format!("docker-credential-{helper}");
    let failed = |error| CredentialsError::HelperFailed {
        program: program.clone(),
        error,
    };
    let server = if registry == DOCKER_HUB {
        "https://index.docker.io/v1/"
    } else {
        registry
    };
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(failed)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(server.as_bytes()).map_err(failed)?;
    }
    let output = child.wait_with_output().map_err(failed)?;
    if !output.status.success() {
        // "credentials not found" is anonymous access, not an error.
        return Ok(None);
    }
    let answer: HelperAnswer =
        serde_json::from_slice(&output.stdout).map_err(|_| CredentialsError::HelperAnswer(program.clone()))?;
    // Helpers return identity tokens under the user name `<token>`.
    let credentials = if answer.username == "<token>" {
        Credentials::RefreshToken(answer.secret)
    } else {
        Credentials::Basic {
            username: answer.username,
            password: answer.secret,
        }
    };
    Ok(Some(FoundCredentials {
        credentials,
        source: program,
    }))
}

/// Registry connection settings.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Use plain HTTP even for a registry that is not on this machine.
    pub plain_http: bool,
    /// How long to wait to connect, for a response, and for each read of a body.
    pub timeout: Duration,
    /// Explicit credentials; `None` looks them up with [`find_credentials`].
    pub credentials: Option<Credentials>,
}

impl Default for RegistryOptions {
    fn default() -> RegistryOptions {
        RegistryOptions {
            plain_http: false,
            timeout: Duration::from_secs(30),
            credentials: None,
        }
    }
}

/// A manifest or index fetched from the registry.
#[derive(Debug, Clone)]
pub struct FetchedManifest {
    /// The raw bytes (their sha256 is the digest).
    pub bytes: Vec<u8>,
    /// `sha256:…` of the bytes.
    pub digest: String,
    /// The `Content-Type` the registry sent.
    pub media_type: String,
}

/// A client for one repository of one registry.
pub struct RegistryClient {
    agent: ureq::Agent,
    base: String,
    reference: ImageReference,
    credentials: Option<FoundCredentials>,
    /// The `Authorization` header that worked last (a bearer token or basic auth).
    authorization: Mutex<Option<String>>,
}

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryClient").field("base", &self.base).finish()
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

#[derive(Deserialize)]
struct RegistryErrors {
    #[serde(default)]
    errors: Vec<RegistryErrorEntry>,
}

/// One entry of the `errors` list a registry sends with a failure status.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RegistryErrorEntry {
    /// The registry's error code (`MANIFEST_UNKNOWN`, `UNAUTHORIZED`, …).
    #[serde(default)]
    pub code: String,
    /// Its message.
    #[serde(default)]
    pub message: String,
}

type HttpResponse = ureq::http::Response<ureq::Body>;

impl RegistryClient {
    /// A client for `reference`'s repository; credentials from `options` or the usual places.
    pub fn new(reference: &ImageReference, options: &RegistryOptions) -> Result<RegistryClient, RegistryError> {
        let credentials = match &options.credentials {
            Some(c) => Some(FoundCredentials {
                credentials: c.clone(),
                source: "the caller".into(),
            }),
            None => find_credentials(&reference.registry)?,
        };
        let scheme = if options.plain_http || reference.is_loopback() {
            "http"
        } else {
            "https"
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(options.timeout))
            .timeout_recv_response(Some(options.timeout))
            .timeout_per_read(Some(options.timeout))
            .user_agent(concat!("leakscan/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let authorization = match credentials.as_ref().map(|c| &c.credentials) {
            Some(Credentials::Bearer(token)) => Some(format!("Bearer {token}")),
            _ => None,
        };
        Ok(RegistryClient {
            agent,
            base: format!("{scheme}://{}", reference.api_host()),
            reference: reference.clone(),
            credentials,
            authorization: Mutex::new(authorization),
        })
    }

    /// Fetches a manifest or index by tag or digest, checking the digest when pinned.
    pub fn manifest(&self, reference: &str) -> Result<FetchedManifest, RegistryError> {
        let path = format!("/v2/{}/manifests/{reference}", self.reference.repository);
        let mut response = self.get(&path, MANIFEST_ACCEPT)?;
        let media_type = header(&response, "content-type")
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_string())
            .unwrap_or_default();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_DOCUMENT)
            .read_to_vec()
            .map_err(|e| self.transport_error(&path, e))?;
        let digest = format!("sha256:{}", hex(&Sha256::digest(&bytes)));
        if reference.starts_with("sha256:") && reference != digest {
            return Err(RegistryError::DigestMismatch {
                reference: reference.to_string(),
                base: self.base.clone(),
                actual: digest,
            });
        }
        if media_type.starts_with("application/vnd.docker.distribution.manifest.v1") {
            return Err(RegistryError::Schema1);
        }
        Ok(FetchedManifest {
            bytes,
            digest,
            media_type,
        })
    }

    /// Reads a small blob (an image config) whole.
    pub fn small_blob(&self, digest: &str) -> Result<Vec<u8>, RegistryError> {
        let path = format!("/v2/{}/blobs/{digest}", self.reference.repository);
        let mut response = self.get(&path, "*/*")?;
        response
            .body_mut()
            .with_config()
            .limit(MAX_DOCUMENT)
            .read_to_vec()
            .map_err(|e| self.transport_error(&path, e))
    }

    /// Streams a blob (a layer); nothing is stored.
    pub fn blob(&self, digest: &str) -> Result<Box<dyn Read>, RegistryError> {
        let path = format!("/v2/{}/blobs/{digest}", self.reference.repository);
        let response = self.get(&path, "*/*")?;
        Ok(Box::new(ReadContext {
            inner: response.into_body().into_reader(),
            what: format!("{}{path}", self.base),
        }))
    }

    /// A GET with the current authorization; on a 401, answers the challenge once and retries.
    fn get(&self, path: &str, accept: &str) -> Result<HttpResponse, RegistryError> {
        let response = self.send(path, accept)?;
        if response.status() != 401 {
            return self.check(path, response);
        }
        let challenge = header(&response, "www-authenticate").unwrap_or_default();
        let authorization = self.answer_challenge(&challenge)?;
        *self.authorization.lock().unwrap_or_else(|e| e.into_inner()) = Some(authorization);
        let response = self.send(path, accept)?;
        if response.status() == 401 {
            return Err(RegistryError::AuthenticationFailed {
                registry: self.reference.registry.clone(),
                credentials_from: self.credentials.as_ref().map(|c| c.source.clone()),
            });
        }
        self.check(path, response)
    }

    fn send(&self, path: &str, accept: &str) -> Result<HttpResponse, RegistryError> {
        let url = format!("{}{path}", self.base);
        let mut request = self.agent.get(&url).header("Accept", accept);
        if let Some(auth) = self.authorization.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            request = request.header("Authorization", auth);
        }
        request.call().map_err(|e| self.transport_error(path, e))
    }

    fn transport_error(&self, path: &str, error: ureq::Error) -> RegistryError {
        RegistryError::Transport {
            url: format!("{}{path}", self.base),
            error,
        }
    }

    /// Turns a non-success status into an error that carries the registry's own error code.
    fn check(&self, path: &str, mut response: HttpResponse) -> Result<HttpResponse, RegistryError> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(64 << 10)
            .read_to_vec()
            .unwrap_or_default();
        let detail = serde_json::from_slice::<RegistryErrors>(&body)
            .ok()
            .and_then(|e| e.errors.into_iter().next());
        Err(RegistryError::Status {
            url: format!("{}{path}", self.base),
            status,
            detail,
        })
    }

    /// Builds the `Authorization` header a `WWW-Authenticate` challenge asks for.
    fn answer_challenge(&self, challenge: &str) -> Result<String, RegistryError> {
        let (scheme, params) = parse_challenge(challenge);
        let basic = match self.credentials.as_ref().map(|c| &c.credentials) {
            Some(Credentials::Basic { username, password }) => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            )),
            _ => None,
        };
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => basic.ok_or_else(|| RegistryError::BasicAuthRequired {
                registry: self.reference.registry.clone(),
            }),
            "bearer" => {
                let realm = params
                    .iter()
                    .find(|(k, _)| k == "realm")
                    .map(|(_, v)| v.clone())
                    .ok_or(RegistryError::NoRealm)?;
                let plain = realm.starts_with("http://");
                if !realm.starts_with("https://") && !plain {
                    return Err(RegistryError::RealmNotHttp(realm));
                }
                let sends_secret = basic.is_some()
                    || matches!(
                        self.credentials.as_ref().map(|c| &c.credentials),
                        Some(Credentials::RefreshToken(_))
                    );
                if plain && sends_secret && !self.base.starts_with("http://") {
                    return Err(RegistryError::PlainHttpRealm(realm));
                }
                let mut query = Vec::new();
                if let Some((_, service)) = params.iter().find(|(k, _)| k == "service") {
                    query.push(format!("service={}", percent_encode(service)));
                }
                let scope = params.iter().find(|(k, _)| k == "scope").map_or_else(
                    || format!("repository:{}:pull", self.reference.repository),
                    |(_, v)| v.clone(),
                );
                query.push(format!("scope={}", percent_encode(&scope)));
                let separator = if realm.contains('?') { '&' } else { '?' };
                let url = format!("{realm}{separator}{}", query.join("&"));
                let refresh = match self.credentials.as_ref().map(|c| &c.credentials) {
                    Some(Credentials::RefreshToken(token)) => Some(token),
                    _ => None,
                };
                let sent = match refresh {
                    // OAuth2: POST the refresh token (docker's identity-token flow).
                    Some(token) => {
                        let form = format!(
                            "grant_type=refresh_token&client_id=leakscan&{}&refresh_token={}",
                            query.join("&"),
                            percent_encode(token)
                        );
                        self.agent
                            .post(&realm)
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .send(form.as_bytes())
                    }
                    None => {
                        let mut request = self.agent.get(&url);
                        if let Some(basic) = &basic {
                            request = request.header("Authorization", basic);
                        }
                        request.call()
                    }
                };
                let mut response = match sent {
                    Ok(response) => response,
                    Err(error) => return Err(RegistryError::TokenRequest { realm, error }),
                };
                if !response.status().is_success() {
                    return Err(RegistryError::TokenRefused {
                        realm,
                        status: response.status(),
                        anonymous: basic.is_none() && refresh.is_none(),
                    });
                }
                let body = response
                    .body_mut()
                    .with_config()
                    .limit(1 << 20)
                    .read_to_vec()
                    .map_err(RegistryError::TokenResponse)?;
                let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|_| RegistryError::TokenNotJson)?;
                let token = answer
                    .token
                    .or(answer.access_token)
                    .filter(|t| !t.is_empty())
                    .ok_or(RegistryError::NoToken)?;
                Ok(format!("Bearer {token}"))
            }
            "" => Err(RegistryError::NoChallenge),
            other => Err(RegistryError::UnsupportedScheme(other.to_string())),
        }
    }
}

/// Wraps a body reader so that its errors name the URL (and say "timed out" plainly).
struct ReadContext<R> {
    inner: R,
    what: String,
}

impl<R: Read> Read for ReadContext<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            // ureq wraps its own errors (a timeout among them) in `ErrorKind::Other`.
            let timed_out = e.kind() == std::io::ErrorKind::TimedOut
                || e.get_ref()
                    .and_then(|inner| inner.downcast_ref::<ureq::Error>())
                    .is_some_and(|inner| matches!(inner, ureq::Error::Timeout(_)));
            let what = if timed_out {
                "timed out".to_string()
            } else {
                e.to_string()
            };
            std::io::Error::new(e.kind(), format!("{}: {what}", self.what))
        })
    }
}

fn header(response: &HttpResponse, name: &str) -> Option<String> {
    let value = response.headers().get(name)?.to_str().ok()?;
    Some(value.trim().to_string())
}

/// Parses `Bearer realm="…",service="…",scope="…"` into the scheme and its parameters.
fn parse_challenge(challenge: &str) -> (String, Vec<(String, String)>) {
    let challenge = challenge.trim();
    let (scheme, rest) = challenge.split_once(' ').unwrap_or((challenge, ""));
    let mut params = Vec::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            (&quoted[..end], quoted.get(end + 1..).unwrap_or(""))
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        params.push((key, value.to_string()));
        rest = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    (scheme.to_string(), params)
}

/// What a query value keeps unencoded: RFC 3986 unreserved characters.
const QUERY_VALUE_KEEPS: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
fn percent_encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, QUERY_VALUE_KEEPS).to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> ImageReference {
        ImageReference::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn references_are_normalised_like_docker_pull() {
        let r = parse("alpine");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("docker.io", "library/alpine")
        );
        assert_eq!(r.tag.as_deref(), Some("latest"));
        let r = parse("localhost:5000/team/app:1.2");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("localhost:5000", "team/app", Some("1.2"))
        );
        assert!(r.is_loopback());
        let digest = format!("sha256:{}", "ab".repeat(32));
        let r = parse(&format!("docker://ghcr.io/org/tool@{digest}"));
        assert_eq!(r.registry, "ghcr.io");
        assert_eq!(r.tag, None);
        assert_eq!(r.manifest_reference(), digest);
        assert_eq!(r.to_string(), format!("ghcr.io/org/tool@{digest}"));
        let r = parse("127.0.0.1:5000/app");
        assert!(r.is_loopback());
        assert!(!parse("registry.example/app:1").is_loopback());
        assert_eq!(parse("user/app:v1").repository, "user/app");
    }

    #[test]
    fn bad_references_are_refused_with_a_reason() {
        use ReferenceProblem::*;
        for (bad, problem) in [
            ("", Empty),
            ("App:1", InvalidRepository),
            ("app:", InvalidTag),
            ("app@sha256:12", UnsupportedDigest),
            ("app@md5:00", UnsupportedDigest),
            ("app@00", DigestWithoutAlgorithm),
            ("app:-x", InvalidTag),
            ("a//b", InvalidRepository),
        ] {
            let e = ImageReference::parse(bad).expect_err(bad);
            assert_eq!(e.problem, problem, "{bad}: {e}");
            assert_eq!(e.text, bad);
        }
        assert_eq!(
            ImageReference::parse("docker://app:").unwrap_err().to_string(),
            "`app:` is not an image reference: the tag is not valid"
        );
    }

    #[test]
    fn challenges_are_parsed() {
        let (scheme, params) = parse_challenge(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#,
        );
        assert_eq!(scheme, "Bearer");
        assert_eq!(params[0], ("realm".into(), "https://auth.example/token".into()));
        assert_eq!(params[1], ("service".into(), "registry.example".into()));
        assert_eq!(params[2], ("scope".into(), "repository:a/b:pull,push".into()));
        let (scheme, params) = parse_challenge("Basic realm=Registry");
        assert_eq!(scheme, "Basic");
        assert_eq!(params, vec![("realm".into(), "Registry".into())]);
        assert_eq!(percent_encode("repository:a/b:pull"), "repository%3Aa%2Fb%3Apull");
    }

    #[test]
    fn docker_config_auth_entries_are_decoded() {
        let pair = base64::engine::general_purpose::STANDARD.encode("robot:pa55");
        let config: DockerConfig = serde_json::from_str(&format!(
            r#"{{"auths": {{"https://index.docker.io/v1/": {{"auth": "{pair}"}}, "reg.example": {{"username": "u", "password": "p"}}}}}}"#
        ))
        .unwrap_or_default();
        let hub = from_docker_config(&config, "docker.io", "cfg")
            .ok()
            .flatten()
            .map(|f| f.credentials);
        assert_eq!(
            hub,
            Some(Credentials::Basic {
                username: "robot".into(),
                password: "pa55".into()
            })
        );
        let other = from_docker_config(&config, "reg.example", "cfg")
            .ok()
            .flatten()
            .map(|f| f.credentials);
        assert!(matches!(other, Some(Credentials::Basic { username, .. }) if username == "u"));
        assert!(
            from_docker_config(&config, "nowhere.example", "cfg")
                .ok()
                .flatten()
                .is_none()
        );
        // Never print a password.
        assert!(!format!("{hub:?}").contains("pa55"));
    }
}

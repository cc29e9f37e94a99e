//! Container images: a `docker save` tarball (old and new layouts) or an OCI image layout
//! (a directory or a tarball). Every layer is scanned once (deduplicated by digest, even when
//! several images or tags share it), with the instruction that created it; files deleted by a
//! whiteout in a later layer are still scanned (they ship in the image) and marked; and the
//! image config (environment, labels, command, build history) is scanned too.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::cell::RefCell;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::archive::{ArchiveKind, sniff};
use super::blob_name::{BlobNameError, blob_path, contained_path};
use super::registry::{ImageReference, RegistryClient, RegistryError, RegistryOptions};
use super::{Blob, BlobVisitor, LayerInfo, Origin, Provenance, SkipReason, Skipped, VisitOptions};
use leakscan_model::error::{Error, ScanError, ScanErrorKind};

/// Small JSON documents are read whole; anything larger is a layer.
const SMALL: u64 = 16 << 20;

/// Why a small document (an index, a manifest, an image config) of an image could not be read.
#[derive(Debug, thiserror::Error)]
enum DocumentError {
    /// The name is not a valid digest or does not resolve inside the layout.
    #[error(transparent)]
    Name(#[from] BlobNameError),
    /// The tarball has no entry by that name.
    #[error("`{0}` is missing")]
    Missing(String),
    /// The tarball's entry is larger than [`SMALL`] or does not start like JSON.
    #[error("`{0}` is not a JSON document of at most {SMALL} bytes")]
    NotSmallJson(String),
    /// The layout's file cannot be read.
    #[error("`{name}`: {error}")]
    Unreadable {
        /// The name in the layout.
        name: String,
        /// The read error.
        error: std::io::Error,
    },
    /// The layout's file is larger than [`SMALL`].
    #[error("`{0}` is larger than {SMALL} bytes")]
    TooLarge(String),
    /// The registry could not deliver it.
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// Why a layer could not be scanned (in full) or does not match its digest.
#[derive(Debug, thiserror::Error)]
enum LayerError {
    /// The layer cannot be opened or its start read or decompressed.
    #[error("{0}")]
    Unreadable(std::io::Error),
    /// The layer is not a tar archive.
    #[error("layer is not a tar: {0}")]
    NotATar(std::io::Error),
    /// The tar stream breaks off or is corrupt.
    #[error("corrupt layer: {0}")]
    Corrupt(std::io::Error),
    /// A member of the layer cannot be read.
    #[error("corrupt layer at `{path}`: {error}")]
    CorruptAt {
        /// The member's path in the layer.
        path: String,
        /// The read error.
        error: std::io::Error,
    },
    /// A document layer (not a tar) cannot be read.
    #[error("unreadable layer: {0}")]
    UnreadableDocument(std::io::Error),
    /// What was read does not hash to the layer's digest (it was scanned all the same).
    #[error("layer content does not match its digest (sha256:{actual}); scanned anyway")]
    DigestMismatch {
        /// The sha256 of the content, in hex.
        actual: String,
    },
}

/// Access to the blobs of an image, wherever they are stored.
enum Store {
    /// A tarball: entry name → (data offset, size); small entries cached.
    Tar {
        path: PathBuf,
        entries: HashMap<String, (u64, u64)>,
        small: HashMap<String, Vec<u8>>,
    },
    /// An OCI layout directory.
    Dir(PathBuf),
    /// A registry: manifests fetched by digest, blobs streamed; `cached` holds the
    /// synthesised `index.json` and the top-level manifest.
    Registry {
        client: RegistryClient,
        cached: HashMap<String, Vec<u8>>,
    },
}

impl Store {
    /// Reads a small JSON document (an index, a manifest list or an image config) whole.
    fn read_small(&self, name: &str) -> Result<Vec<u8>, DocumentError> {
        match self {
            Store::Tar { small, entries, .. } => small.get(name).cloned().ok_or_else(|| {
                if entries.contains_key(name) {
                    DocumentError::NotSmallJson(name.to_string())
                } else {
                    DocumentError::Missing(name.to_string())
                }
            }),
            Store::Dir(root) => {
                let path = contained_path(root, name)?;
                let mut data = Vec::new();
                File::open(path)
                    .and_then(|f| f.take(SMALL + 1).read_to_end(&mut data))
                    .map_err(|error| DocumentError::Unreadable {
                        name: name.to_string(),
                        error,
                    })?;
                if data.len() as u64 > SMALL {
                    return Err(DocumentError::TooLarge(name.to_string()));
                }
                Ok(data)
            }
            Store::Registry { client, cached } => match cached.get(name) {
                Some(bytes) => Ok(bytes.clone()),
                None => Ok(client.small_blob(&layer_digest(name))?),
            },
        }
    }

    /// Reads a manifest or index by its blob path (a registry serves them from `manifests/`).
    fn read_manifest(&self, name: &str) -> Result<Vec<u8>, DocumentError> {
        match self {
            Store::Registry { client, cached } => match cached.get(name) {
                Some(bytes) => Ok(bytes.clone()),
                None => Ok(client.manifest(&layer_digest(name))?.bytes),
            },
            _ => self.read_small(name),
        }
    }

    fn open(&self, name: &str) -> std::io::Result<Box<dyn Read>> {
        match self {
            Store::Tar { path, entries, .. } => {
                let &(offset, size) = entries.get(name).ok_or_else(|| {
                    std::io::Error::new(std::io::ErrorKind::NotFound, format!("`{name}` is not in the tarball"))
                })?;
                let mut file = open_regular(path)?;
                file.seek(SeekFrom::Start(offset))?;
                Ok(Box::new(BufReader::new(file.take(size))))
            }
            Store::Dir(root) => {
                let path = contained_path(root, name).map_err(std::io::Error::other)?;
                Ok(Box::new(BufReader::new(File::open(path)?)))
            }
            Store::Registry { client, .. } => client.blob(&layer_digest(name)).map_err(std::io::Error::other),
        }
    }

    fn contains(&self, name: &str) -> bool {
        match self {
            Store::Tar { entries, .. } => entries.contains_key(name),
            Store::Dir(root) => contained_path(root, name).is_ok(),
            Store::Registry { cached, .. } => cached.contains_key(name),
        }
    }
}

/// One image found in the input.
#[derive(Debug, Clone)]
struct ImageEntry {
    name: String,
    config: String,
    layers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifest {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OciIndex {
    #[serde(default)]
    manifests: Vec<OciDescriptor>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OciDescriptor {
    #[serde(default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    platform: Option<Platform>,
}

/// The platform of one manifest in a multi-platform index.
#[derive(Deserialize, Serialize, Clone)]
struct Platform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
}

impl Platform {
    /// `os/architecture[/variant]`.
    fn name(&self) -> String {
        match &self.variant {
            Some(v) if !v.is_empty() => format!("{}/{}/{v}", self.os, self.architecture),
            _ => format!("{}/{}", self.os, self.architecture),
        }
    }
}

/// Buildx stores provenance and SBOM attestations as index entries with this annotation.
const ATTESTATION: (&str, &str) = ("vnd.docker.reference.type", "attestation-manifest");

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OciManifest {
    #[serde(default)]
    media_type: String,
    config: Option<OciDescriptor>,
    #[serde(default)]
    layers: Vec<OciDescriptor>,
    #[serde(default)]
    manifests: Vec<OciDescriptor>,
}

/// The parts of an image config that can hold secrets.
#[derive(Deserialize, Default)]
struct ImageConfig {
    #[serde(default)]
    config: Option<RunConfig>,
    #[serde(default)]
    history: Vec<History>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct RunConfig {
    #[serde(default)]
    env: Option<Vec<String>>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    cmd: Option<Vec<String>>,
    #[serde(default)]
    entrypoint: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
struct History {
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    empty_layer: Option<bool>,
}

/// A container image source.
pub struct ImageSource {
    store: Store,
    /// The path as given (for people).
    display: String,
    /// The file or directory name, relative to `base` (for fingerprints and SARIF).
    logical: String,
    base: Option<Arc<Path>>,
    /// Only this platform (`os/arch[/variant]`) of multi-platform indexes; `None`: all.
    platform: Option<String>,
}

impl std::fmt::Debug for ImageSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageSource").field("display", &self.display).finish()
    }
}

/// Opens an image tarball without blocking (a file swapped for a FIFO after the check cannot
/// hang the scan) and checks on the descriptor that it is a regular file.
fn open_regular(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (it changed after it was checked)",
        ));
    }
    Ok(file)
}

impl ImageSource {
    /// Opens a docker-save or OCI tarball, or an OCI layout directory. Fails when the input is
    /// neither (no `manifest.json` and no `index.json`).
    pub fn open(path: &Path) -> Result<ImageSource, Error> {
        let unreadable = |source| Error::RootUnreadable {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => Error::RootNotFound {
                path: path.to_path_buf(),
            },
            _ => unreadable(source),
        })?;
        if !(meta.is_dir() || meta.is_file()) {
            // A FIFO would block the open forever; a device is no image.
            return Err(Error::RootNotRegular {
                path: path.to_path_buf(),
                kind: super::fs::special_file_kind(&meta.file_type()),
            });
        }
        let store = if meta.is_dir() {
            Store::Dir(path.to_path_buf())
        } else {
            let file = open_regular(path).map_err(unreadable)?;
            let mut archive = tar::Archive::new(BufReader::new(file));
            let mut entries = HashMap::new();
            let mut small = HashMap::new();
            let bad = |e: std::io::Error| Error::NotAnImage {
                path: path.to_path_buf(),
                message: format!("not a tar archive: {e}"),
            };
            for entry in archive.entries().map_err(bad)? {
                let mut entry = entry.map_err(bad)?;
                let name = String::from_utf8_lossy(&entry.path_bytes())
                    .trim_start_matches("./")
                    .to_string();
                let size = entry.size();
                entries.insert(name.clone(), (entry.raw_file_position(), size));
                let jsonish = name.ends_with(".json") || name == "oci-layout" || name.starts_with("blobs/");
                if jsonish && size <= SMALL {
                    let mut head = [0u8; 1];
                    let mut data = Vec::with_capacity(size as usize);
                    entry.read_to_end(&mut data).map_err(bad)?;
                    head[0] = data.first().copied().unwrap_or(0);
                    if head[0] == b'{' || head[0] == b'[' {
                        small.insert(name, data);
                    }
                }
            }
            Store::Tar {
                path: path.to_path_buf(),
                entries,
                small,
            }
        };
        if !store.contains("manifest.json") && !store.contains("index.json") {
            return Err(Error::NotAnImage {
                path: path.to_path_buf(),
                message: "no manifest.json (docker save) or index.json (OCI layout)".into(),
            });
        }
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let display = path.strip_prefix(".").unwrap_or(path).display().to_string();
        let logical = abs
            .file_name()
            .map_or_else(|| display.clone(), |n| n.to_string_lossy().into_owned());
        Ok(ImageSource {
            store,
            display,
            logical,
            base: abs.parent().map(Arc::from),
            platform: None,
        })
    }

    /// `path` opened as an image when it is one (`leakscan scan` of a single path), else
    /// `None` (the caller scans it as files). Only a directory or a regular file can be an
    /// image: anything else (a FIFO, where opening waits for a writer; a device) is not opened.
    pub fn open_if_image(path: &Path) -> Option<ImageSource> {
        let meta = std::fs::metadata(path).ok()?;
        if !(meta.is_dir() || meta.is_file()) {
            return None;
        }
        ImageSource::open(path).ok()
    }

    /// Connects to the registry of `reference` and fetches its manifest (or index). Layers
    /// are streamed later, during the scan; nothing is written to disk.
    pub fn open_registry(reference: &ImageReference, options: &RegistryOptions) -> Result<ImageSource, Error> {
        let failed = |e: &dyn std::error::Error| Error::Registry {
            reference: reference.to_string(),
            message: e.to_string(),
        };
        let client = RegistryClient::new(reference, options).map_err(|e| failed(&e))?;
        let top = client
            .manifest(reference.manifest_reference())
            .map_err(|e| failed(&e))?;
        let index = serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": top.media_type,
                "digest": top.digest,
                "annotations": { "org.opencontainers.image.ref.name": reference.to_string() },
            }],
        });
        let mut cached = HashMap::new();
        cached.insert("index.json".to_string(), index.to_string().into_bytes());
        cached.insert(blob_path(&top.digest).map_err(|e| failed(&e))?, top.bytes);
        Ok(ImageSource {
            store: Store::Registry { client, cached },
            display: reference.to_string(),
            logical: reference.to_string(),
            base: None,
            platform: None,
        })
    }

    /// Restricts multi-platform indexes to one platform (`linux/amd64`, `linux/arm64/v8`).
    pub fn with_platform(mut self, platform: Option<String>) -> ImageSource {
        self.platform = platform;
        self
    }

    /// The directory SARIF URIs are relative to.
    pub fn base(&self) -> Option<Arc<Path>> {
        self.base.clone()
    }

    fn images(&self, visitor: &dyn BlobVisitor) -> Vec<ImageEntry> {
        let mut images = Vec::new();
        let problem = |message: String| {
            visitor.error(ScanError {
                path: self.display.clone(),
                kind: ScanErrorKind::Image,
                message,
            })
        };
        if let Ok(bytes) = self.store.read_small("manifest.json") {
            match serde_json::from_slice::<Vec<DockerManifest>>(&bytes) {
                Ok(list) => images.extend(list.into_iter().map(|m| {
                    ImageEntry {
                        name: m
                            .repo_tags
                            .filter(|t| !t.is_empty())
                            .map(|t| t.join(", "))
                            .unwrap_or_else(|| m.config.clone()),
                        config: m.config,
                        layers: m.layers,
                    }
                })),
                Err(e) => problem(format!("manifest.json: {e}")),
            }
            return images;
        }
        let bytes = match self.store.read_small("index.json") {
            Ok(bytes) => bytes,
            Err(e) => {
                problem(format!("index.json cannot be read: {e}"));
                return images;
            }
        };
        let index: OciIndex = match serde_json::from_slice(&bytes) {
            Ok(i) => i,
            Err(e) => {
                problem(format!("index.json: {e}"));
                return images;
            }
        };
        // Each entry carries the digests of the indexes above it, to tell a cycle (reported)
        // from a manifest that two indexes share (scanned once).
        let mut queue: Vec<(OciDescriptor, String, Rc<Vec<String>>)> = index
            .manifests
            .into_iter()
            .map(|d| {
                let name = d
                    .annotations
                    .get("org.opencontainers.image.ref.name")
                    .cloned()
                    .unwrap_or_else(|| d.digest.clone());
                (d, name, Rc::new(Vec::new()))
            })
            .collect();
        let mut seen = HashSet::new();
        while let Some((desc, name, above)) = queue.pop() {
            if above.contains(&desc.digest) {
                problem(format!(
                    "index {} refers back to itself through its manifests (a cycle); not followed again",
                    desc.digest
                ));
                continue;
            }
            if !seen.insert(desc.digest.clone()) {
                continue; // shared by several indexes: scanned once
            }
            let bytes = match blob_path(&desc.digest)
                .map_err(DocumentError::from)
                .and_then(|path| self.store.read_manifest(&path))
            {
                Ok(bytes) => bytes,
                Err(e) => {
                    problem(format!(
                        "manifest {} is missing or unreadable: {e}",
                        desc.digest.escape_debug()
                    ));
                    continue;
                }
            };
            let manifest: OciManifest = match serde_json::from_slice(&bytes) {
                Ok(m) => m,
                Err(e) => {
                    problem(format!("manifest {}: {e}", desc.digest.escape_debug()));
                    continue;
                }
            };
            let is_index = !manifest.manifests.is_empty()
                || desc.media_type.contains("index")
                || manifest.media_type.contains("index");
            if is_index {
                for d in manifest.manifests {
                    let attestation = d.annotations.get(ATTESTATION.0).is_some_and(|v| v == ATTESTATION.1);
                    let platform = d.platform.as_ref().map(Platform::name);
                    if let (Some(wanted), Some(platform)) = (&self.platform, &platform)
                        && (attestation || !platform_matches(platform, wanted))
                    {
                        continue;
                    }
                    let label = if attestation {
                        Some("attestation".to_string())
                    } else {
                        platform.or_else(|| d.annotations.get("org.opencontainers.image.ref.name").cloned())
                    };
                    let child =
                        label.map_or_else(|| format!("{name}@{}", short(&d.digest)), |p| format!("{name} ({p})"));
                    let mut chain = (*above).clone();
                    chain.push(desc.digest.clone());
                    queue.push((d, child, Rc::new(chain)));
                }
                continue;
            }
            let Some(config) = manifest.config else {
                problem(format!("manifest {} has no config", desc.digest));
                continue;
            };
            let paths = blob_path(&config.digest).and_then(|config| {
                let layers = manifest
                    .layers
                    .iter()
                    .map(|l| blob_path(&l.digest))
                    .collect::<Result<_, _>>()?;
                Ok((config, layers))
            });
            match paths {
                Ok((config, layers)) => images.push(ImageEntry { name, config, layers }),
                Err(e) => problem(format!("manifest {}: {e}", desc.digest.escape_debug())),
            }
        }
        images
    }

    /// Scans every image: its config, then each layer not scanned before.
    pub fn visit_layers(&self, options: &VisitOptions, visitor: &dyn BlobVisitor) -> Vec<(LayerKey, Vec<String>)> {
        let mut done: HashSet<String> = HashSet::new();
        let mut shadowed: Vec<(LayerKey, Vec<String>)> = Vec::new();
        for image in self.images(visitor) {
            let config: ImageConfig = match self.store.read_small(&image.config) {
                Ok(b) => {
                    // Tags of one image share its config: scan it once.
                    if done.insert(image.config.clone()) {
                        self.scan_config(&image, &b, visitor);
                    }
                    serde_json::from_slice(&b).unwrap_or_default()
                }
                Err(e) => {
                    visitor.error(ScanError {
                        path: format!("{}!{}", self.display, image.config),
                        kind: ScanErrorKind::Image,
                        message: format!("image config is missing or unreadable: {e}"),
                    });
                    ImageConfig::default()
                }
            };
            let instructions: Vec<Option<String>> = config
                .history
                .iter()
                .filter(|h| !h.empty_layer.unwrap_or(false))
                .map(|h| h.created_by.clone())
                .collect();
            // What each layer deletes or replaces, to mark files of lower layers.
            let mut later: Vec<Vec<String>> = vec![Vec::new(); image.layers.len()];
            for (index, layer) in image.layers.iter().enumerate() {
                let info = LayerInfo {
                    image: image.name.clone(),
                    digest: layer_digest(layer),
                    index,
                    created_by: instructions.get(index).cloned().flatten(),
                    deleted_later: false,
                };
                let scan = done.insert(layer.clone());
                match self.scan_layer(layer, &info, scan, options, visitor) {
                    Ok(paths) => later[index] = paths,
                    Err(e) => visitor.error(ScanError {
                        path: format!("{}!{}", self.display, info.digest),
                        kind: ScanErrorKind::Image,
                        message: e.to_string(),
                    }),
                }
            }
            for (index, layer) in image.layers.iter().enumerate() {
                let above: Vec<String> = later[index + 1..].iter().flatten().cloned().collect();
                shadowed.push((
                    LayerKey {
                        image: image.name.clone(),
                        digest: layer_digest(layer),
                    },
                    above,
                ));
            }
        }
        shadowed
    }

    fn scan_config(&self, image: &ImageEntry, bytes: &[u8], visitor: &dyn BlobVisitor) {
        let Ok(config) = serde_json::from_slice::<ImageConfig>(bytes) else {
            return;
        };
        let mut lines = Vec::new();
        if let Some(run) = &config.config {
            for (i, e) in run.env.iter().flatten().enumerate() {
                lines.push(format!("Env[{i}]: {e}"));
            }
            for (k, v) in run.labels.iter().flatten() {
                lines.push(format!("Labels[{k}]: {v}"));
            }
            if let Some(cmd) = &run.cmd {
                lines.push(format!("Cmd: {}", cmd.join(" ")));
            }
            if let Some(ep) = &run.entrypoint {
                lines.push(format!("Entrypoint: {}", ep.join(" ")));
            }
        }
        for (i, h) in config.history.iter().enumerate() {
            if let Some(c) = &h.created_by {
                lines.push(format!("history[{i}].created_by: {c}"));
            }
        }
        let text = lines.join("\n") + "\n";
        let info = LayerInfo {
            image: image.name.clone(),
            digest: "config".into(),
            index: 0,
            created_by: None,
            deleted_later: false,
        };
        visitor.blob(Blob {
            origin: self.origin("config", &info),
            data: text.as_bytes(),
            previous: None,
        });
    }

    fn origin(&self, path: &str, info: &LayerInfo) -> Origin {
        let (display, logical) = if info.digest == "config" {
            (format!("{}!config", self.display), format!("{}!/config", self.logical))
        } else {
            (
                format!("{}!{}!/{path}", self.display, short(&info.digest)),
                format!("{}!/{path}", self.logical),
            )
        };
        Origin {
            display,
            logical,
            base: self.base.clone(),
            provenance: if info.digest == "config" {
                Provenance::ImageConfig(Arc::new(info.clone()))
            } else {
                Provenance::ImageLayer(Arc::new(info.clone()))
            },
        }
    }

    /// Streams one layer; returns the paths it deletes or replaces (for lower layers).
    fn scan_layer(
        &self,
        layer: &str,
        info: &LayerInfo,
        scan: bool,
        options: &VisitOptions,
        visitor: &dyn BlobVisitor,
    ) -> Result<Vec<String>, LayerError> {
        let max_file_size = options.max_file_size;
        let hasher = Rc::new(RefCell::new(Sha256::new()));
        let raw = Hashing {
            inner: self.store.open(layer).map_err(LayerError::Unreadable)?,
            hasher: hasher.clone(),
        };
        let mut reader = BufReader::new(raw);
        let head = crate::stream::fill_buf(&mut reader)
            .map_err(LayerError::Unreadable)?
            .to_vec();
        let decoded: Box<dyn Read> = match sniff(&head) {
            Some(ArchiveKind::Gzip) => Box::new(flate2::read::MultiGzDecoder::new(reader)),
            Some(ArchiveKind::Zstd) => {
                Box::new(zstd::stream::read::Decoder::with_buffer(reader).map_err(LayerError::Unreadable)?)
            }
            _ if !looks_like_tar(&head) && head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') => {
                // Not a filesystem layer: an attestation (in-toto JSON) or another artifact.
                // Scan it as one document.
                return self.scan_document_layer(reader, info, scan, options, &hasher, visitor);
            }
            _ => Box::new(reader),
        };
        let mut archive = tar::Archive::new(decoded);
        let mut touched = Vec::new();
        for entry in archive.entries().map_err(LayerError::NotATar)? {
            let mut entry = entry.map_err(LayerError::Corrupt)?;
            let path = String::from_utf8_lossy(&entry.path_bytes())
                .trim_start_matches("./")
                .trim_start_matches('/')
                .to_string();
            let (dir, file) = path.rsplit_once('/').map_or(("", path.as_str()), |(d, f)| (d, f));
            if file == ".wh..wh..opq" {
                touched.push(format!("{dir}/"));
                continue;
            }
            if let Some(target) = file.strip_prefix(".wh.") {
                touched.push(if dir.is_empty() {
                    target.to_string()
                } else {
                    format!("{dir}/{target}")
                });
                continue;
            }
            let kind = entry.header().entry_type();
            if !(kind.is_file() || kind == tar::EntryType::Continuous) {
                continue;
            }
            touched.push(path.clone());
            if !scan {
                continue;
            }
            let size = entry.size();
            if size > max_file_size {
                visitor.skipped(Skipped {
                    path: self.origin(&path, info).display,
                    reason: SkipReason::SizeLimit,
                    detail: format!("{size} bytes exceeds the limit of {max_file_size} bytes"),
                });
                continue;
            }
            let _lane = options.memory.large_item(size);
            let mut data = Vec::with_capacity(size as usize);
            if let Err(error) = entry.read_to_end(&mut data) {
                return Err(LayerError::CorruptAt { path, error });
            }
            visitor.blob(Blob {
                origin: self.origin(&path, info),
                data: &data,
                previous: None,
            });
        }
        // Read to the end (tar stops at its end-of-archive marker) and check the digest.
        let mut rest = archive.into_inner();
        std::io::copy(&mut rest, &mut std::io::sink()).map_err(LayerError::Corrupt)?;
        drop(rest);
        verify_digest(info, &hasher)?;
        Ok(touched)
    }

    /// Scans a layer that is one JSON document rather than a tar (attestations).
    fn scan_document_layer(
        &self,
        reader: impl Read,
        info: &LayerInfo,
        scan: bool,
        options: &VisitOptions,
        hasher: &Rc<RefCell<Sha256>>,
        visitor: &dyn BlobVisitor,
    ) -> Result<Vec<String>, LayerError> {
        let max_file_size = options.max_file_size;
        let mut data = Vec::new();
        let read = reader
            .take(max_file_size.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(LayerError::UnreadableDocument)?;
        let path = format!("{}.json", short(&info.digest).replace(':', "-"));
        if read as u64 > max_file_size {
            visitor.skipped(Skipped {
                path: self.origin(&path, info).display,
                reason: SkipReason::SizeLimit,
                detail: format!("the layer document exceeds the limit of {max_file_size} bytes"),
            });
            return Ok(Vec::new());
        }
        if scan {
            visitor.blob(Blob {
                origin: self.origin(&path, info),
                data: &data,
                previous: None,
            });
        }
        verify_digest(info, hasher)?;
        Ok(Vec::new())
    }
}

/// Checks a layer's sha256 against its digest once everything has been read.
fn verify_digest(info: &LayerInfo, hasher: &Rc<RefCell<Sha256>>) -> Result<(), LayerError> {
    if let Some(expected) = info.digest.strip_prefix("sha256:") {
        let actual = hex(&hasher.borrow_mut().finalize_reset());
        if actual != expected {
            return Err(LayerError::DigestMismatch { actual });
        }
    }
    Ok(())
}

/// An uncompressed tar has `ustar` at offset 257 of its first header (or is all zeros when
/// empty).
fn looks_like_tar(head: &[u8]) -> bool {
    head.get(257..262) == Some(b"ustar") || (head.len() >= 512 && head[..512].iter().all(|&b| b == 0))
}

/// Whether `platform` (`linux/arm64/v8`) is what the user asked for (`linux/arm64` matches
/// every variant).
fn platform_matches(platform: &str, wanted: &str) -> bool {
    platform == wanted || platform.strip_prefix(wanted).is_some_and(|rest| rest.starts_with('/'))
}

/// A reader that feeds everything it reads to a hasher.
struct Hashing<R> {
    inner: R,
    hasher: Rc<RefCell<Sha256>>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.borrow_mut().update(&buf[..n]);
        Ok(n)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Identifies one layer of one image (for marking deleted files after the scan).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LayerKey {
    /// The image name.
    pub image: String,
    /// The layer digest.
    pub digest: String,
}

/// Whether `path` is deleted or replaced by any of `above` (paths, or `dir/` for opaque dirs).
pub fn shadowed(path: &str, above: &[String]) -> bool {
    above
        .iter()
        .any(|p| p == path || (p.ends_with('/') && (p.len() == 1 || path.starts_with(p.as_str()))))
}

fn layer_digest(layer: &str) -> String {
    match layer.strip_prefix("blobs/") {
        Some(rest) => rest.replacen('/', ":", 1),
        None => layer.to_string(),
    }
}

fn short(digest: &str) -> String {
    let hex = digest.split_once(':').map_or(digest, |(_, h)| h);
    let algo = digest.split_once(':').map_or("", |(a, _)| a);
    let cut = &hex[..hex.len().min(12)];
    if algo.is_empty() {
        cut.to_string()
    } else {
        format!("{algo}:{cut}")
    }
}

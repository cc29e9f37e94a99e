//! Notifications: what a user should know about how a scan was configured, above all what a
//! configuration found inside the scanned repository changed (see
//! the trust model in `leakscan-filter`). They reach every report format that has a place for them:
//! SARIF `toolConfigurationNotifications`, the JSON `notifications` list, the text summary,
//! GitHub annotations and the Markdown summary.

use serde::Serialize;

/// How much a notification matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NotificationLevel {
    /// It changes what the scan reports or fails on: a reader must see it.
    Warning,
    /// It changes the scan in a way worth knowing.
    Note,
}

impl NotificationLevel {
    /// `warning` or `note` (SARIF's level names).
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationLevel::Warning => "warning",
            NotificationLevel::Note => "note",
        }
    }
}

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// How much it matters.
    pub level: NotificationLevel,
    /// A stable identifier of the kind (`repository-config-limit`, …), for tools that act on
    /// notifications (SARIF `descriptor.id`).
    pub kind: &'static str,
    /// The file it is about (a configuration, an ignore file), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What happened, for a person. Values taken from the repository are escaped and
    /// token-shaped ones masked before they get here.
    pub message: String,
}

impl Notification {
    /// A warning.
    pub fn warning(kind: &'static str, source: Option<String>, message: String) -> Notification {
        Notification {
            level: NotificationLevel::Warning,
            kind,
            source,
            message,
        }
    }

    /// A note.
    pub fn note(kind: &'static str, source: Option<String>, message: String) -> Notification {
        Notification {
            level: NotificationLevel::Note,
            kind,
            source,
            message,
        }
    }

    /// `source: message` (or the message alone), as printed in text reports.
    pub fn line(&self) -> String {
        match &self.source {
            Some(s) => format!("{s}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

/// The notification kinds leakscan emits.
pub mod kinds {
    /// A repository configuration's limit was ignored (it raised one) or applied (it lowered
    /// one).
    pub const LIMIT: &str = "repository-config-limit";
    /// A repository configuration changed which findings fail the scan.
    pub const GATE: &str = "repository-config-gate";
    /// A repository configuration turned rules off, selected or overrode them.
    pub const RULES: &str = "repository-config-rules";
    /// A repository configuration added rules.
    pub const EXTRA_RULES: &str = "repository-config-extra-rules";
    /// A repository configuration added allowlists.
    pub const ALLOWLIST: &str = "repository-config-allowlist";
    /// A repository configuration named a baseline.
    pub const BASELINE: &str = "repository-config-baseline";
    /// Findings were suppressed by the repository's own configuration or baseline.
    pub const SUPPRESSED: &str = "repository-config-suppressed";
    /// The repository's `.leakscan-baseline.json` was picked up (and what it suppressed).
    pub const AUTO_BASELINE: &str = "repository-baseline";
    /// A `.leakscanignore` in the repository excluded files from the scan.
    pub const IGNORE_FILE: &str = "repository-ignore-file";
    /// A configuration from the repository was used at all.
    pub const CONFIG_USED: &str = "repository-config";
    /// A repository's configuration asked for live verification, which is ignored.
    pub const VERIFY: &str = "repository-config-verify";
}

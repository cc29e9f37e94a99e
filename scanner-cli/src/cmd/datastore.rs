//! `leakscan datastore verify`: integrity and the audit log's hash chain.

use anyhow::Result;
use scanner_core::audit::Datastore;

use crate::args::DatastoreCommand;
use crate::exit;

/// Runs a datastore command: exit 0 intact, 1 tampered (the first broken row is named),
/// 2 when the datastore cannot be opened (missing, corrupt, newer schema).
pub fn run(cmd: &DatastoreCommand) -> Result<u8> {
    match cmd {
        DatastoreCommand::Verify { datastore } => {
            let store = Datastore::open(datastore, false)?;
            let outcome = store.verify()?;
            match outcome.broken {
                None => {
                    let version = store.schema_version()?;
                    super::to_stdout(|o| {
                        writeln!(
                            o,
                            "{}: ok: schema version {version}, integrity check passed, audit log intact ({} rows)",
                            datastore.display(),
                            outcome.rows
                        )
                    })?;
                    Ok(exit::CLEAN)
                }
                Some((row, message)) => {
                    let at = if row > 0 {
                        format!("audit log row {row}")
                    } else {
                        "triage table".to_string()
                    };
                    super::to_stdout(|o| writeln!(o, "{}: TAMPERED: {at}: {message}", datastore.display()))?;
                    Ok(exit::FINDINGS)
                }
            }
        }
    }
}

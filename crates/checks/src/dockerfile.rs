//! Dockerfiles: instructions with continuation lines, `ENV`/`ARG` values, `COPY`/`ADD`
//! sources and `RUN` commands.

use std::ops::Range;

use super::{CheckHit, CheckRule, literal_secret, secret_name};

/// `Dockerfile`, `Containerfile`, `Dockerfile.prod`, `api.dockerfile`.
pub(super) fn applies(lower_name: &str) -> bool {
    lower_name == "dockerfile"
        || lower_name == "containerfile"
        || lower_name.starts_with("dockerfile.")
        || lower_name.ends_with(".dockerfile")
}

/// One instruction: its keyword (uppercase) and its arguments with their byte spans.
struct Instruction {
    keyword: String,
    /// Argument words (quotes kept) and their spans; continuation lines joined.
    words: Vec<(String, Range<usize>)>,
}

/// Splits a Dockerfile into instructions (comments and parser directives skipped, `\`
/// continuations joined, heredoc bodies skipped).
fn instructions(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut current: Option<Instruction> = None;
    let mut heredoc: Option<String> = None;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if let Some(end) = &heredoc {
            if line.trim() == end {
                heredoc = None;
            }
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        let continues = line.trim_end().ends_with('\\');
        let body_end = if continues {
            line.trim_end().len() - 1
        } else {
            line.len()
        };
        let mut words = words_of(&line[..body_end], line_start);
        if current.is_none() {
            if words.is_empty() {
                continue;
            }
            let (keyword, _) = words.remove(0);
            current = Some(Instruction {
                keyword: keyword.to_ascii_uppercase(),
                words: Vec::new(),
            });
        }
        if let Some(ins) = current.as_mut() {
            if let Some((w, _)) = words.iter().find(|(w, _)| w.starts_with("<<")) {
                heredoc = Some(
                    w.trim_start_matches("<<")
                        .trim_start_matches('-')
                        .trim_matches(['"', '\''])
                        .to_string(),
                );
            }
            ins.words.extend(words);
        }
        if !continues && let Some(ins) = current.take() {
            out.push(ins);
        }
    }
    out.extend(current);
    out
}

/// Whitespace-separated words (quoted strings kept whole) with their absolute spans.
fn words_of(line: &str, base: usize) -> Vec<(String, Range<usize>)> {
    let bytes = line.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let mut quote: Option<u8> = None;
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b.is_ascii_whitespace() => break,
                None => {}
            }
            i += 1;
        }
        words.push((line[start..i].to_string(), base + start..base + i));
    }
    words
}

/// A `NAME=value` word: the name, the value without quotes, and the value's span.
fn assignment(word: &str, span: &Range<usize>) -> Option<(String, String, Range<usize>)> {
    let (name, value) = word.split_once('=')?;
    let quoted = value.len() >= 2
        && (value.starts_with('"') && value.ends_with('"') || value.starts_with('\'') && value.ends_with('\''));
    let (value, skip) = if quoted {
        (&value[1..value.len() - 1], 1)
    } else {
        (value, 0)
    };
    let start = span.start + name.len() + 1 + skip;
    Some((name.to_string(), value.to_string(), start..start + value.len()))
}

/// File names that hold credentials and must not be copied into an image.
fn secret_file(source: &str) -> bool {
    let source = source.trim_matches(['"', '\'', '[', ']', ',']);
    let name = source.trim_end_matches('/').rsplit('/').next().unwrap_or(source);
    let lower = name.to_ascii_lowercase();
    (lower == ".env" || (lower.starts_with(".env.") && !is_template_suffix(&lower[5..])))
        || lower.ends_with(".pem")
        || lower.ends_with(".key")
        || lower.ends_with(".p12")
        || lower.ends_with(".pfx")
        || lower.ends_with(".jks")
        || lower.ends_with(".keystore")
        || lower.starts_with("id_rsa") && !lower.ends_with(".pub")
        || lower.starts_with("id_ed25519") && !lower.ends_with(".pub")
        || lower.starts_with("id_ecdsa") && !lower.ends_with(".pub")
        || matches!(
            lower.as_str(),
            ".npmrc"
                | ".pypirc"
                | ".netrc"
                | ".git-credentials"
                | ".dockercfg"
                | "credentials"
                | "kubeconfig"
                | ".ssh"
                | ".aws"
        )
}

pub(super) fn is_template_suffix(suffix: &str) -> bool {
    matches!(
        suffix,
        "example" | "sample" | "template" | "dist" | "defaults" | "default" | "schema" | "tpl" | "in"
    )
}

pub(super) fn check(text: &str, out: &mut Vec<CheckHit>) {
    let mut secret_args: Vec<String> = Vec::new();
    for ins in instructions(text) {
        match ins.keyword.as_str() {
            "ARG" | "ENV" => {
                let mut words = ins.words.iter().peekable();
                while let Some((word, span)) = words.next() {
                    let (name, value, value_span) = match assignment(word, span) {
                        Some(a) => a,
                        // `ENV NAME value` (legacy form: the rest of the line is the value).
                        None if ins.keyword == "ENV" => match words.next() {
                            Some((v, vs)) => (word.clone(), v.trim_matches(['"', '\'']).to_string(), vs.clone()),
                            None => continue,
                        },
                        None => {
                            if ins.keyword == "ARG" && secret_name(word) {
                                secret_args.push(word.clone());
                            }
                            continue;
                        }
                    };
                    if ins.keyword == "ARG" && secret_name(&name) {
                        secret_args.push(name.clone());
                    }
                    if secret_name(&name) && literal_secret(&value) {
                        out.push(CheckHit::secret(
                            CheckRule::DockerfileSecretInEnvArg,
                            value_span,
                            format!(
                                "`{} {name}` bakes a literal secret into every image layer and its history; use `RUN --mount=type=secret`",
                                ins.keyword
                            ),
                        ));
                    }
                }
            }
            "COPY" | "ADD" => {
                let paths: Vec<&(String, Range<usize>)> =
                    ins.words.iter().filter(|(w, _)| !w.starts_with("--")).collect();
                if paths.len() < 2 {
                    continue;
                }
                for (source, span) in &paths[..paths.len() - 1] {
                    if secret_file(source) {
                        out.push(CheckHit::evidence(
                            CheckRule::DockerfileCopiesSecretFile,
                            span.clone(),
                            format!(
                                "`{} {source}` copies a credential file into the image, where every layer keeps it",
                                ins.keyword
                            ),
                        ));
                    }
                }
            }
            "RUN" => {
                if ins.words.iter().any(|(w, _)| w.starts_with("--mount=type=secret")) {
                    continue;
                }
                for (word, span) in &ins.words {
                    if let Some(name) = secret_args
                        .iter()
                        .find(|a| word.contains(&format!("${a}")) || word.contains(&format!("${{{a}}}")))
                    {
                        out.push(CheckHit::evidence(
                            CheckRule::DockerfileBuildArgSecret,
                            span.clone(),
                            format!("`RUN` uses the build argument `{name}`: its value is recorded in the image history; use `RUN --mount=type=secret`"),
                        ));
                        break;
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_join_continuations_and_skip_comments() {
        let text = "# syntax=docker/dockerfile:1\nFROM alpine\nRUN apk add \\\n    curl # not a comment\nENV A=1 B=\"two words\"\n";
        let ins = instructions(text);
        assert_eq!(
            ins.iter().map(|i| i.keyword.as_str()).collect::<Vec<_>>(),
            ["FROM", "RUN", "ENV"]
        );
        // Only a `#` at the start of a line is a comment.
        assert_eq!(ins[1].words.len(), 7);
        let (w, span) = &ins[2].words[1];
        assert_eq!(w, "B=\"two words\"");
        let (_, value, vspan) = assignment(w, span).unwrap();
        assert_eq!((value.as_str(), &text[vspan]), ("two words", "two words"));
    }
}

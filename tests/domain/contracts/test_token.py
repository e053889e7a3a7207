"""The bank's signing key in a PKCS#11 token (SoftHSM2): the key is generated inside the token
and never leaves it; contracts countersigned with it verify like any other."""

from __future__ import annotations

import base64
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from domain.contracts import LocalCA, ensure_ca, sign_as_bank, verify
from domain.contracts.token import TokenKey
from domain.errors import InvalidInput, InvalidState
from tests.domain.contracts.helpers import BANK

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "20261205"

pytestmark = [
    pytest.mark.skipif(
        not Path(MODULE).exists(),
        reason="SoftHSM2 (Debian package softhsm2) is not installed here; .ci/run installs it",
    ),
    pytest.mark.usefixtures("quiet_pyhanko"),
]


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory, ca: LocalCA) -> TokenKey:
    """A fresh SoftHSM2 token holding an EC key made inside it and the CA's certificate for it.

    The PKCS#11 library reads its configuration once per process: one token per test run.
    """
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {directory / 'tokens'}\nobjectstore.backend = file\n")
    os.environ.setdefault("SOFTHSM2_CONF", str(conf))
    label = f"bank-{os.getpid()}"
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN,
         "--so-pin", "87654321"],
        check=True, capture_output=True,
    )  # fmt: skip
    with pkcs11.lib(MODULE).get_token(token_label=label).open(user_pin=PIN, rw=True) as session:
        curve = encode_named_curve_parameters("secp256r1")
        parameters = session.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: curve}, local=True
        )
        public, _ = parameters.generate_keypair(store=True, label="bank-seal")
        key = serialization.load_der_public_key(encode_ec_public_key(public))
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "HSM Bank Seal")]))
            .issuer_name(ca.ca_cert.subject)
            .public_key(key)  # type: ignore[arg-type]
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                critical=True,
            )
            .sign(ca.ca_key, hashes.SHA256())
        )
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: "bank-seal",
                Attribute.SUBJECT: cert.subject.public_bytes(),
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            }
        )
    return TokenKey(module=MODULE, token_label=label, key_label="bank-seal", pin=PIN)


def test_bank_key_in_a_token_countersigns(
    token: TokenKey, ca_dir: Path, ca: LocalCA, borrower_signed: bytes
) -> None:
    with_token = ensure_ca(ca_dir, bank_name=BANK, bank_token=token)
    assert with_token.bank.subject_name == "HSM Bank Seal"
    assert with_token.bank.key_pem == b""  # nothing of the key outside the token
    signed = sign_as_bank(borrower_signed, ca=with_token)
    result = verify(signed, ca=ca)
    assert result.accepted, result.detail
    assert result.level == "B-LT"
    assert [s.signer for s in result.signatures][-1] == "HSM Bank Seal"


def test_wrong_pin_or_token_is_a_clear_error(token: TokenKey, ca_dir: Path) -> None:
    for wrong in (
        TokenKey(module=MODULE, token_label=token.token_label, key_label="bank-seal", pin="0"),
        TokenKey(module=MODULE, token_label="no-such-token", key_label="bank-seal", pin=PIN),
    ):
        with pytest.raises(InvalidState, match="PKCS#11"):
            ensure_ca(ca_dir, bank_name=BANK, bank_token=wrong)


def test_token_and_key_file_together_are_refused(token: TokenKey, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="one"):
        ensure_ca(tmp_path, bank_token=token, bank_pkcs12=tmp_path / "bank.p12")


async def test_audit_checkpoint_signed_in_the_token_verifies(
    db: str, token: TokenKey, ca_dir: Path, ca: LocalCA
) -> None:
    from domain import audit
    from domain.audit.checkpoints import Anchors, key_id, signature_valid

    with_token = ensure_ca(ca_dir, bank_name=BANK, bank_token=token)
    for i in range(3):
        await audit.record(
            actor="officer@bank.cn", action="approve", entity_type="application", entity_id=i
        )

    # the checkpoint is signed inside the token, by the key whose certificate it names
    row = await audit.create_checkpoint(credential=with_token.bank)

    assert row is not None and row.seq == 3
    in_token = x509.load_pem_x509_certificate(with_token.bank.cert_pem)
    in_file = x509.load_pem_x509_certificate(ca.bank.cert_pem)
    assert row.key_id == key_id(in_token)
    signature = base64.b64decode(row.signature)
    assert signature_valid(in_token, row.payload.encode(), signature)
    assert not signature_valid(in_file, row.payload.encode(), signature)
    report = await audit.verify_audit(anchors=Anchors.of(with_token))
    assert report.ok and report.checkpoints.checkpoints == 1

#!/usr/bin/env python3
"""A REGISTER client with RFC 8760 digest (SHA-256 or MD5), over UDP.

A MOCK PEER, written for the tests: no SIP peer installable here (SIPp 3.6,
sipsak 0.9.8, baresip 1.0 with libre 1.1) can answer a SHA-256 challenge.
It shares no code with the switch: digests come from Python's hashlib.

usage: register_digest.py PORT USER DOMAIN PASSWORD ALGORITHM
prints the final status code and exits 0 if it is 200.
"""
import hashlib
import os
import re
import socket
import sys


def request(local, port, user, domain, cseq, call_id, branch, authorization=None):
    lines = [
        f"REGISTER sip:{domain} SIP/2.0",
        f"Via: SIP/2.0/UDP {local[0]}:{local[1]};branch={branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:{user}@{domain}>;tag=py{call_id[:8]}",
        f"To: <sip:{user}@{domain}>",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} REGISTER",
        f"Contact: <sip:{user}@{local[0]}:{local[1]}>",
        "Expires: 600",
        "User-Agent: register_digest.py",
    ]
    if authorization:
        lines.append(f"Authorization: {authorization}")
    lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def receive_final(sock):
    while True:
        data, _ = sock.recvfrom(65535)
        text = data.decode(errors="replace")
        status = int(text.split(" ", 2)[1])
        if status >= 200:
            return status, text


def params(value):
    return {k.lower(): v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|[^,\s]+)', value)}


def main():
    port, user, domain, password, algorithm = sys.argv[1:6]
    hashes = {"SHA-256": hashlib.sha256, "MD5": hashlib.md5}
    h = lambda text: hashes[algorithm](text.encode()).hexdigest()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10)
    local = sock.getsockname()
    call_id = os.urandom(8).hex()
    server = ("127.0.0.1", int(port))
    sock.sendto(request(local, port, user, domain, 1, call_id, "z9hG4bK" + os.urandom(6).hex()), server)
    status, text = receive_final(sock)
    if status != 401:
        print(status)
        return 1
    challenges = [params(line.split(":", 1)[1]) for line in text.split("\r\n")
                  if line.lower().startswith("www-authenticate:")]
    chosen = next((c for c in challenges if c.get("algorithm", "MD5").upper() == algorithm), None)
    if chosen is None:
        print("no", algorithm, "challenge")
        return 1
    uri = f"sip:{domain}"
    nc, cnonce = "00000001", os.urandom(8).hex()
    ha1 = h(f"{user}:{chosen['realm']}:{password}")
    ha2 = h(f"REGISTER:{uri}")
    response = h(f"{ha1}:{chosen['nonce']}:{nc}:{cnonce}:auth:{ha2}")
    authorization = (
        f'Digest username="{user}", realm="{chosen["realm"]}", nonce="{chosen["nonce"]}", '
        f'uri="{uri}", response="{response}", algorithm={algorithm}, qop=auth, nc={nc}, cnonce="{cnonce}"'
    )
    sock.sendto(request(local, port, user, domain, 2, call_id, "z9hG4bK" + os.urandom(6).hex(), authorization), server)
    status, _ = receive_final(sock)
    print(status)
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())

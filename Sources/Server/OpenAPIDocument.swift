/// The REST API described in OpenAPI 3.1, served at `/openapi.yaml`. A test compares its paths and
/// methods with the routes the server registers, so the two cannot drift apart.
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: MynaGate API
  version: 0.1.0
  description: |
    Door access and employee ID on the My Number card's JPKI user-authentication certificate.
    Browser and staff clients sign in with POST /api/v1/session and send the returned csrfToken in the
    X-CSRF-Token header on every POST, PUT, PATCH and DELETE. Door controllers send their own token as
    "Authorization: Bearer". Errors are JSON: {"error": true, "reason": "..."}.
    The My Number never appears in this API: people are identified by internal ids and employee numbers,
    cards by certificate issuer and serial.
servers:
  - url: /
components:
  securitySchemes:
    session: {type: apiKey, in: cookie, name: mynagate_session}
    door: {type: http, scheme: bearer}
  schemas:
    Error:
      type: object
      properties: {error: {type: boolean}, reason: {type: string}}
    Decision:
      type: object
      required: [outcome, reason, messageJa, messageEn, securityLevel, policyVersion]
      properties:
        outcome: {type: string, enum: [grant, deny]}
        reason: {type: string, description: stable reason code, e.g. granted, credential_suspended, pin_required}
        messageJa: {type: string}
        messageEn: {type: string}
        employeeId: {type: [string, "null"]}
        employeeName: {type: [string, "null"]}
        securityLevel: {type: string, enum: [tap, pin]}
        policyVersion: {type: integer}
        warnings: {type: array, items: {type: string}}
    Employee:
      type: object
      required: [employeeNumber, name, department]
      properties:
        id: {type: string, format: uuid}
        employeeNumber: {type: string, maxLength: 32, description: the company's number; never a My Number}
        name: {type: string}
        department: {type: string}
        site: {type: string}
        status: {type: string, enum: [active, onLeave, retired]}
        groups: {type: array, items: {type: string}}
        validFrom: {type: [string, "null"], format: date-time}
        validUntil: {type: [string, "null"], format: date-time}
    Credential:
      type: object
      properties:
        id: {type: string, format: uuid}
        employeeId: {type: string, format: uuid}
        issuer: {type: string}
        serial: {type: string, description: upper-case hex}
        notBefore: {type: string, format: date-time}
        notAfter: {type: string, format: date-time}
        state: {type: string, enum: [active, suspended, retired]}
        suspensionReason: {type: [string, "null"]}
    Challenge:
      type: object
      properties:
        challengeId: {type: string, format: uuid}
        nonce: {type: string, format: byte}
        context: {type: string}
        digest: {type: string, format: byte, description: SHA-256 the card signs as a DigestInfo}
        expiresAt: {type: string, format: date-time}
    DoorSnapshot:
      type: object
      required: [version, full, door, generatedAt, policy, removedCredentials]
      properties:
        version: {type: integer}
        full: {type: boolean}
        door: {type: string}
        generatedAt: {type: string, format: date-time}
        nonce: {type: [string, "null"], description: "the nonce the agent sent with this request, signed back"}
        policy: {type: object, description: "doors, zones, groups, schedules, holidays, employees, credentials (with state, certificate DER base64 at pin doors, version), lockdown, emergencyUnlocked"}
        removedCredentials: {type: array, items: {type: object}}
    DoorEvent:
      type: object
      required: [id, time, door, serial, outcome, reason, offline, snapshotVersion, warnings]
      properties:
        id: {type: string, format: uuid, description: made by the agent; the server keeps each id once}
        time: {type: string, format: date-time}
        door: {type: string}
        serial: {type: string}
        issuer: {type: [string, "null"]}
        outcome: {type: string, enum: [grant, deny]}
        reason: {type: string}
        employee: {type: [string, "null"]}
        offline: {type: boolean}
        snapshotVersion: {type: integer}
        warnings: {type: array, items: {type: string}}
    Health:
      type: object
      required: [status, database, policyVersion, maxPolicyAgeSeconds, queuedDecisions, problems]
      properties:
        status: {type: string, enum: [ok, degraded]}
        database: {type: string, enum: [sqlite, postgresql]}
        policyVersion: {type: integer}
        policyConfirmedAt: {type: string, format: date-time, description: "when the policy was last confirmed current (a poll that found no change counts)"}
        policyAgeSeconds: {type: number, description: "seconds since policyConfirmedAt; past maxPolicyAgeSeconds door decisions follow the stale mode"}
        maxPolicyAgeSeconds: {type: integer}
        queuedDecisions: {type: integer, description: door decisions waiting to be written to the event log}
        problems:
          type: array
          items:
            type: object
            required: [code, since, message]
            properties:
              code: {type: string, description: "audit.write_failed, policy.reload_failed, policy.stale, crl.sweep_failed, database.unreachable"}
              since: {type: string, format: date-time, description: first seen since last cleared}
              message: {type: string, description: "what failed; never a person, card, number or database text"}
    Event:
      type: object
      properties:
        sequence: {type: integer}
        time: {type: string, format: date-time}
        kind: {type: string}
        actor: {type: string}
        subject: {type: string}
        details: {type: object, additionalProperties: {type: string}}
paths:
  /health:
    get:
      summary: "Liveness, database check and the server's current problems. 503 when degraded, so load balancers and monitors that read only the status code see it"
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Health"}}}}
        "503": {description: "degraded: at least one problem (audit.write_failed, policy.reload_failed, policy.stale, crl.sweep_failed, database.unreachable)", content: {application/json: {schema: {$ref: "#/components/schemas/Health"}}}}
  /metrics:
    get: {summary: "Prometheus metrics: loopback clients only, or the bearer of the metrics token when one is configured", responses: {"200": {description: text exposition}, "401": {description: metrics token missing or wrong}, "403": {description: not a loopback client}}}
  /openapi.yaml:
    get: {summary: This document, responses: {"200": {description: YAML}}}
  /api/v1/session:
    post:
      summary: "Sign in with a password (bcrypt; after repeated failures the account is locked, answered like a wrong password). JSON only; rate-limited per client and per server"
      requestBody: {content: {application/json: {schema: {type: object, required: [username, password], properties: {username: {type: string}, password: {type: string}}}}}}
      responses: {"200": {description: signed in; returns csrfToken}, "401": {description: wrong username or password, or the account is locked}, "415": {description: body is not application/json}, "429": {description: too many attempts from this client or in total (Retry-After)}}
    delete: {summary: Sign out, responses: {"204": {description: signed out}}}
  /api/v1/session/card/challenge:
    post: {summary: "Card sign-in, step 1: a challenge for the desk reader's card", responses: {"200": {description: challenge}, "429": {description: too many attempts (Retry-After)}}}
  /api/v1/session/card:
    post:
      summary: "Card sign-in, step 2: the card's auth serial and its signature over the challenge (after the PIN); admin, security and hr accounts also give the password unless they opted in"
      requestBody: {content: {application/json: {schema: {type: object, required: [challengeId, serial, signature], properties: {challengeId: {type: string, format: uuid}, serial: {type: string}, signature: {type: string, format: byte}, password: {type: string}}}}}}
      responses: {"200": {description: signed in; returns csrfToken}, "401": {description: card not accepted}, "415": {description: body is not application/json}, "429": {description: too many attempts (Retry-After)}}
  /api/v1/me:
    get: {summary: The signed-in user, security: [{session: []}], responses: {"200": {description: user}}}
  /api/v1/me/credentials:
    get: {summary: My cards, security: [{session: []}], responses: {"200": {description: list, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Credential"}}}}}}}
  /api/v1/me/credentials/{id}/suspend-request:
    post:
      summary: Lost card, step 1 of 2 (signed in)
      parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}]
      security: [{session: []}]
      responses: {"200": {description: confirmation id, valid 5 minutes}, "403": {description: not your card}}
  /api/v1/me/credentials/suspend-confirm:
    post: {summary: Lost card, step 2 of 2 (signed in), security: [{session: []}], responses: {"200": {description: suspended}, "404": {description: unknown or expired}}}
  /api/v1/lost-card/request:
    post: {summary: Lost card without signing in, step 1 (employee number + emergency code), responses: {"200": {description: confirmation id}, "401": {description: wrong code}, "429": {description: "too many attempts from this client (per employee number, or in total); the reason names the 24-hour security desk, which can always suspend the card (Retry-After)"}}}
  /api/v1/lost-card/confirm:
    post: {summary: Lost card without signing in, step 2, responses: {"200": {description: suspended}, "404": {description: unknown or expired}, "429": {description: too many requests (Retry-After)}}}
  /api/v1/employees:
    get: {summary: List employees (admin, hr, security), security: [{session: []}], responses: {"200": {description: list, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Employee"}}}}}}}
    post: {summary: Create an employee (admin, hr; only admin sets groups, status other than active, validFrom/validUntil), security: [{session: []}], requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Employee"}}}}, responses: {"201": {description: created}, "403": {description: "hr setting groups, status or validity"}, "409": {description: number in use}, "422": {description: "invalid, or an unknown access group"}}}
  /api/v1/employees/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}]
    get: {summary: One employee, security: [{session: []}], responses: {"200": {description: employee}, "404": {description: not found}}}
    patch: {summary: "Update an employee (admin, hr). Only admin changes groups, status, validFrom/validUntil (hr may send them unchanged); audited with before/after values", security: [{session: []}], responses: {"200": {description: updated}, "403": {description: "hr changing groups, status or validity"}, "409": {description: number in use}, "422": {description: "invalid, or an unknown access group"}}}
  /api/v1/credentials:
    get: {summary: List cards (admin, security, hr), security: [{session: []}], responses: {"200": {description: list}}}
  /api/v1/credentials/{id}/suspend:
    post: {summary: Suspend a card (admin, security), parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], responses: {"200": {description: suspended}}}
  /api/v1/credentials/{id}/reinstate:
    post: {summary: Reinstate a suspended card (admin, security), parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], responses: {"200": {description: active}}}
  /api/v1/enrollment/challenges:
    post: {summary: Start enrollment at a desk (admin, hr, security), security: [{session: []}], responses: {"200": {description: challenge, content: {application/json: {schema: {$ref: "#/components/schemas/Challenge"}}}}}}
  /api/v1/enrollment:
    post:
      summary: "Finish enrollment: the auth certificate and its signature over the challenge, and (to bind the card to the person) the signing certificate and its signature"
      security: [{session: []}]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [employeeId, challengeId, certificate, signature]
              properties:
                employeeId: {type: string, format: uuid}
                challengeId: {type: string, format: uuid}
                certificate: {type: string, format: byte}
                signature: {type: string, format: byte}
                signingCertificate: {type: string, format: byte}
                signingSignature: {type: string, format: byte}
      responses:
        "201": {description: "enrolled and active"}
        "202": {description: "enrolled and pending: waitingFor lists approval (a second administrator) and/or holder (the owner accepts in their own session)"}
        "403": {description: "the operator's own record, or a person whose account outranks the operator"}
        "409": {description: "already enrolled"}
        "422": {description: "signature, certificate or binding refused"}
  /api/v1/credentials/{id}/approve:
    post:
      summary: "Approve a pending card for a person with a privileged account (admin; never the operator who enrolled it)"
      parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}]
      security: [{session: []}]
      responses: {"200": {description: "the card, active once the holder has also confirmed"}, "403": {description: "the enrolling operator or the approver's own record"}, "409": {description: "not pending"}}
  /api/v1/credentials/{id}/reject:
    post:
      summary: "Refuse a pending card (admin)"
      parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}]
      security: [{session: []}]
      responses: {"204": {description: "removed"}, "409": {description: "not pending"}}
  /api/v1/me/credentials/{id}/confirm:
    post:
      summary: "Accept a card enrolled for me, with my password"
      parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}]
      security: [{session: []}]
      requestBody: {content: {application/json: {schema: {type: object, required: [password], properties: {password: {type: string}}}}}}
      responses: {"200": {description: "the card, active once nothing else is missing"}, "422": {description: "wrong password"}, "404": {description: "not my card"}}
  /api/v1/me/credentials/{id}/reject:
    post:
      summary: "This card enrolled for me is not mine: remove it (security sees the refusal in the event log)"
      parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}]
      security: [{session: []}]
      responses: {"204": {description: "removed"}, "404": {description: "not my card"}}
  /api/v1/me/card-sign-in:
    put:
      summary: "Opt in or out of signing in with the card alone (admin, security and hr accounts otherwise need the password with the card)"
      security: [{session: []}]
      requestBody: {content: {application/json: {schema: {type: object, required: [password, enabled], properties: {password: {type: string}, enabled: {type: boolean}}}}}}
      responses: {"200": {description: "the setting"}, "422": {description: "wrong password"}}
  /api/v1/me/emergency-code:
    post:
      summary: "Issue my emergency code (suspends my cards without signing in); shown once, the previous code stops working"
      security: [{session: []}]
      requestBody: {content: {application/json: {schema: {type: object, required: [password], properties: {password: {type: string}}}}}}
      responses: {"201": {description: "the code"}, "422": {description: "wrong password"}, "409": {description: "the account has no employee record"}}
  /api/v1/zones:
    get: {summary: Zones (admin, security), security: [{session: []}], responses: {"200": {description: list}}}
  /api/v1/zones/{id}:
    put: {summary: Create or replace a zone (admin), parameters: [{name: id, in: path, required: true, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: saved}}}
  /api/v1/doors:
    get: {summary: Doors with their effective security level (admin, security), security: [{session: []}], responses: {"200": {description: list}}}
  /api/v1/doors/{id}:
    put: {summary: Create or replace a door (admin), parameters: [{name: id, in: path, required: true, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: saved}}}
  /api/v1/doors/{id}/token:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    post: {summary: Issue the door controller's token (shown once; replaces the previous one) (admin), security: [{session: []}], responses: {"200": {description: "token, with snapshotPublicKey (base64 raw Ed25519) to verify snapshots", content: {application/json: {schema: {type: object, properties: {door: {type: string}, token: {type: string}, snapshotPublicKey: {type: string, format: byte}}}}}}}}
    delete: {summary: Revoke the door controller's token (admin), security: [{session: []}], responses: {"204": {description: revoked}}}
  /api/v1/doors/{id}/emergency-unlock:
    post: {summary: Unlock or relock a door for an emergency (admin, security); 404 for a door that is not configured, parameters: [{name: id, in: path, required: true, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: done}}}
  /api/v1/doors/{id}/challenges:
    post: {summary: A challenge for a pin door, parameters: [{name: id, in: path, required: true, schema: {type: string}}], security: [{door: []}, {session: []}], responses: {"200": {description: challenge, content: {application/json: {schema: {$ref: "#/components/schemas/Challenge"}}}}}}
  /api/v1/doors/{id}/decisions:
    post:
      summary: Decide a tap or a PIN+signature at a door
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      security: [{door: []}, {session: []}]
      requestBody: {content: {application/json: {schema: {type: object, required: [serial], properties: {serial: {type: string}, issuer: {type: string}, challengeId: {type: string, format: uuid}, signature: {type: string, format: byte}, pinResult: {type: string, enum: [wrongPIN, pinBlocked]}, triesLeft: {type: integer}}}}}}
      responses: {"200": {description: "decision; past maxPolicyAgeSeconds its reason is policy_stale_fail_secure or policy_stale_fail_safe", content: {application/json: {schema: {$ref: "#/components/schemas/Decision"}}}}, "401": {description: door token required}, "503": {description: "the event log cannot be written and maxQueuedDecisions are waiting: no decision; the door decides by its offline rule"}}
  /api/v1/doors/{id}/snapshot:
    get:
      summary: "The door's part of the policy, signed (Ed25519 over the exact body, header X-MynaGate-Snapshot-Signature); a delta when since is recent enough. The agent's nonce is signed back in the body (field nonce). Door token only: a staff session gets 403"
      parameters: [{name: id, in: path, required: true, schema: {type: string}}, {name: since, in: query, required: false, schema: {type: integer}}, {name: nonce, in: query, required: false, schema: {type: string, minLength: 16, maxLength: 128, pattern: "^[A-Za-z0-9_-]+$"}}]
      security: [{door: []}]
      responses: {"200": {description: snapshot, content: {application/json: {schema: {$ref: "#/components/schemas/DoorSnapshot"}}}}, "401": {description: door token required}, "404": {description: no such door}, "503": {description: "this server's policy is stale (past maxPolicyAgeSeconds): the agent keeps its snapshot and its own stale rule"}}
  /api/v1/doors/{id}/events:
    post:
      summary: "Upload decisions taken at the door (at most 1000; idempotent by event id). The server resolves the person from the serial itself; events it cannot vouch for (unknown card, another person, a time in the future or too old, a card not valid then) are quarantined, not refused. Door token only: a staff session gets 403"
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      security: [{door: []}]
      requestBody: {content: {application/json: {schema: {type: object, required: [events], properties: {events: {type: array, maxItems: 1000, items: {$ref: "#/components/schemas/DoorEvent"}}}}}}}
      responses: {"200": {description: counts, content: {application/json: {schema: {type: object, properties: {accepted: {type: integer}, duplicates: {type: integer}, quarantined: {type: integer}}}}}}, "403": {description: a staff session}, "413": {description: more than 1000 events}}
  /api/v1/doors/{id}/heartbeat:
    post:
      summary: The door agent's state (snapshot version, offline or stale, outbox depth); door token only, configured doors only (404 otherwise)
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      security: [{door: []}]
      requestBody: {content: {application/json: {schema: {type: object, required: [snapshotVersion, online, mode, outboxDepth], properties: {snapshotVersion: {type: integer}, online: {type: boolean}, offlineSince: {type: [string, "null"], format: date-time}, staleSince: {type: [string, "null"], format: date-time}, mode: {type: string, enum: [normal, stale-fail-secure, stale-fail-safe]}, outboxDepth: {type: integer}}}}}}
      responses: {"204": {description: recorded}}
  /api/v1/doors/{id}/push:
    get:
      summary: WebSocket; the server sends {"version":N} at connect and at every policy change (door token only)
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      security: [{door: []}]
      responses: {"101": {description: switching to WebSocket}}
  /api/v1/doors/status:
    get: {summary: Each door's last heartbeat and its age (admin, security), security: [{session: []}], responses: {"200": {description: list}}}
  /api/v1/doors/quarantine:
    get: {summary: "Uploaded door events the server quarantined, newest first, with the reason (admin, security); never counted as attendance", parameters: [{name: limit, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 1000}}], security: [{session: []}], responses: {"200": {description: list}}}
  /api/v1/groups:
    get: {summary: Access groups (admin, security), security: [{session: []}], responses: {"200": {description: list}}}
  /api/v1/groups/{id}:
    put: {summary: Create or replace an access group (admin), parameters: [{name: id, in: path, required: true, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: saved}}}
  /api/v1/schedules:
    get: {summary: Weekly schedules (admin, security), security: [{session: []}], responses: {"200": {description: list}}}
  /api/v1/schedules/{id}:
    put: {summary: Create or replace a schedule (admin), parameters: [{name: id, in: path, required: true, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: saved}}}
  /api/v1/holidays:
    get: {summary: Public holidays (admin, security), security: [{session: []}], responses: {"200": {description: list}}}
  /api/v1/holidays/import:
    post: {summary: Import the Cabinet Office holiday CSV (Shift_JIS or UTF-8) (admin), security: [{session: []}], requestBody: {content: {text/csv: {schema: {type: string}}}}, responses: {"200": {description: count imported}, "422": {description: malformed CSV}}}
  /api/v1/site/lockdown:
    post: {summary: Lock down or release the site (admin, security), security: [{session: []}], responses: {"200": {description: done}}}
  /api/v1/events:
    get:
      summary: Search the event log (admin, security)
      security: [{session: []}]
      parameters:
        - {name: employee, in: query, schema: {type: string}}
        - {name: door, in: query, schema: {type: string}}
        - {name: kind, in: query, schema: {type: string}}
        - {name: outcome, in: query, schema: {type: string, enum: [grant, deny]}}
        - {name: from, in: query, schema: {type: string, format: date-time}}
        - {name: to, in: query, schema: {type: string, format: date-time}}
        - {name: before, in: query, schema: {type: integer}}
        - {name: limit, in: query, schema: {type: integer, maximum: 1000}}
      responses: {"200": {description: events, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Event"}}}}}}
  /api/v1/events/export:
    get:
      summary: Export events as CSV (UTF-8 with BOM, or Shift_JIS for Excel) or JSON (admin, security)
      security: [{session: []}]
      parameters:
        - {name: format, in: query, schema: {type: string, enum: [csv, json]}}
        - {name: encoding, in: query, schema: {type: string, enum: [utf-8, shift_jis]}}
      responses: {"200": {description: file}}
  /api/v1/audit/verify:
    get: {summary: Verify the event log's hash chain (admin, security), security: [{session: []}], responses: {"200": {description: intact or where it breaks}}}
  /api/v1/presence:
    get: {summary: Who is in which zone now (admin, security), security: [{session: []}], responses: {"200": {description: zones with employee ids}}}
"""# + VaultOpenAPI.paths + AttendanceOpenAPI.paths + CardApplicationOpenAPI.paths
}

/// The vault's part of the OpenAPI document (appended to ``OpenAPIDocument/yaml``'s paths). Handler
/// routes need the hr role and a designation by an administrator (403 otherwise); without a key the
/// routes that seal or open numbers answer 503. Only the reveal and the export carry a number.
enum VaultOpenAPI {
    static let paths = #"""

  /api/v1/vault/requests:
    get: {summary: "Collection requests with their status (designated handlers); filter ?employee=UUID", security: [{session: []}], responses: {"200": {description: list}, "403": {description: not a designated handler}}}
    post:
      summary: Ask an employee for their and their dependents' numbers, with purposes per subject from the fixed list (designated handlers)
      security: [{session: []}]
      requestBody: {content: {application/json: {schema: {type: object, required: [employeeId, subjects], properties: {employeeId: {type: string, format: uuid}, expiresInDays: {type: integer, minimum: 1, maximum: 90}, subjects: {type: array, items: {type: object, required: [kind, purposes], properties: {kind: {type: string, enum: [employee, dependent]}, dependentId: {type: string, format: uuid}, name: {type: string}, relation: {type: string, enum: [spouse, child, parent, grandparent, grandchild, sibling, other_relative]}, purposes: {type: array, items: {type: string, enum: [withholding_slip, dependent_deduction_declaration, health_pension_insurance, employment_insurance, national_pension_category3]}}}}}}}}}}
      responses: {"201": {description: created}, "422": {description: a purpose that does not apply, no subject, bad expiry}}
  /api/v1/vault/requests/{id}:
    get: {summary: One request with each subject's state, verification and card differences, parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], responses: {"200": {description: request}, "404": {description: not found}}}
  /api/v1/vault/requests/{id}/cancel:
    post: {summary: Cancel an open request, parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], responses: {"200": {description: cancelled}, "409": {description: expired, fulfilled or cancelled}}}
  /api/v1/vault/requests/{id}/verifications:
    post:
      summary: "Record the documents checked for a typed number (番号確認 + 身元確認 per 施行規則; never a document number)"
      parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}]
      security: [{session: []}]
      requestBody: {content: {application/json: {schema: {type: object, required: [documents], properties: {subjectId: {type: string, format: uuid}, documents: {type: array, maxItems: 5, items: {type: object, required: [type, issuer], properties: {type: {type: string}, issuer: {type: string}, validUntil: {type: string, format: date}, detailsUnchanged: {type: boolean}}}}}}}}}
      responses: {"200": {description: verified and fulfilled}, "409": {description: no number awaits verification}, "422": {description: the documents do not satisfy the rule (reasons given)}}
  /api/v1/vault/employees/{id}:
    get: {summary: "An employee's number file: HR record for matching, leaving date, dependents, numbers held (metadata and retention, no number), legal holds", parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], responses: {"200": {description: summary}}}
  /api/v1/vault/employees/{id}/profile:
    put: {summary: "Set address, birth date, sex code (matched with the card's 4 items) and the leaving date (starts retention)", parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, properties: {address: {type: string}, birthDate: {type: string, format: date}, sex: {type: string, enum: ["1", "2", "9"]}, leavingDate: {type: string, format: date}}}}}}, responses: {"200": {description: saved}}}
  /api/v1/vault/employees/{id}/holds:
    post: {summary: Place a legal hold on an employee's numbers (disposal pauses), parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, required: [reason], properties: {reason: {type: string, maxLength: 500}}}}}}, responses: {"201": {description: placed}}}
  /api/v1/vault/holds/{id}/release:
    post: {summary: Release a legal hold, parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], responses: {"204": {description: released}}}
  /api/v1/vault/numbers/{id}/reveal:
    post:
      summary: "Reveal one number for a stated purpose it was collected for (designated handlers; recorded; Cache-Control: no-store)"
      parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}]
      security: [{session: []}]
      requestBody: {content: {application/json: {schema: {type: object, required: [purpose], properties: {purpose: {type: string}}}}}}
      responses: {"200": {description: "the number (12 digits)"}, "400": {description: no purpose}, "403": {description: not a designated handler}, "422": {description: not a collected purpose}, "503": {description: no vault key}}
  /api/v1/vault/exports:
    post:
      summary: "Purpose-bound CSV for payroll software: header lines with the purpose, one row per person (employee number, name, relation, number); UTF-8 with BOM or Shift_JIS"
      security: [{session: []}]
      requestBody: {content: {application/json: {schema: {type: object, required: [purpose], properties: {purpose: {type: string}, encoding: {type: string, enum: [utf-8, shift_jis]}}}}}}
      responses: {"200": {description: CSV file}, "503": {description: no vault key}}
  /api/v1/vault/disposals:
    get: {summary: The disposal register (file, responsible person, date, method; no number) and every held number's retention, security: [{session: []}], responses: {"200": {description: register}}}
  /api/v1/vault/disposals/run:
    post: {summary: "Dispose of every number whose retention has ended and that has no legal hold (data key destroyed, record erased, disposal record written)", security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, properties: {dryRun: {type: boolean}}}}}}, responses: {"200": {description: counts and plans}, "409": {description: no responsible person designated}}}
  /api/v1/vault/register:
    get: {summary: "The guideline's register of number-holding files: files, handlers, purposes, retention, handling rooms, keys (admin, hr)", security: [{session: []}], responses: {"200": {description: register}}}
  /api/v1/vault/handlers:
    get: {summary: hr accounts and their designation as handlers (admin), security: [{session: []}], responses: {"200": {description: list}}}
    post: {summary: "Designate an hr account as handler (事務取扱担当者), optionally the responsible person (責任者) (admin)", security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, required: [username], properties: {username: {type: string}, responsible: {type: boolean}}}}}}, responses: {"201": {description: designated}, "422": {description: not an hr account}}}
  /api/v1/vault/handlers/{id}:
    delete: {summary: Remove a designation (admin), parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], responses: {"204": {description: removed}}}
  /api/v1/vault/my/requests:
    get: {summary: My collection requests with the purposes (the notice), security: [{session: []}], responses: {"200": {description: list}}}
  /api/v1/vault/my/requests/{id}/acknowledge:
    post: {summary: Acknowledge the notice of purposes (before giving any number), parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], responses: {"200": {description: acknowledged}, "409": {description: expired or already acknowledged}}}
  /api/v1/vault/my/requests/{id}/numbers:
    post: {summary: "Give a number typed (own: awaits the handler's documents; a dependent's: verified by the employee with the relation); check digit verified, never echoed", parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, required: [number], properties: {subjectId: {type: string, format: uuid}, number: {type: string}}}}}}, responses: {"201": {description: given}, "422": {description: not a valid number}}}
  /api/v1/vault/my/requests/{id}/card/challenge:
    post: {summary: "A challenge for my enrolled card, bound to this request (sign its digest with the card's user-authentication key after the auth PIN)", parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], responses: {"200": {description: "challengeId, digest (base64 SHA-256), expiresAt"}, "404": {description: not my request}}}
  /api/v1/vault/my/requests/{id}/card:
    post: {summary: "Give my number as read from my card's chip after the text PIN (mynagate vault give): number and the 4 items, matched with the HR record, with my enrolled card's signature over the request's challenge", parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, required: [number, fourItems, challengeId, signature], properties: {subjectId: {type: string, format: uuid}, number: {type: string}, challengeId: {type: string, format: uuid}, signature: {type: string, description: base64}, fourItems: {type: object, required: [name, address, birthDate, sex], properties: {name: {type: string}, address: {type: string}, birthDate: {type: string}, sex: {type: string}}}}}}}}, responses: {"201": {description: given and verified}, "422": {description: "the card's signature does not verify (card_not_proven), or the number is invalid"}}}
  /api/v1/vault/my/access:
    get: {summary: "Every collect, reveal, export and disposal of my and my dependents' numbers: who, when, purpose (never the number)", security: [{session: []}], responses: {"200": {description: list}}}
  /api/v1/photo-id-checks:
    get: {summary: "Records of a My Number card shown as photo ID (admin, hr, security): issuer, validity end, who checked, when, why — never the number; ?employee=UUID", security: [{session: []}], responses: {"200": {description: list, newest first, up to 200}}}
    post:
      summary: Record a My Number card checked as photo ID (front side only; no image kept)
      security: [{session: []}]
      requestBody: {content: {application/json: {schema: {type: object, required: [issuer, validUntil, occasion], properties: {employeeId: {type: string, format: uuid}, employeeNumber: {type: string}, issuer: {type: string, maxLength: 60}, validUntil: {type: string, format: date}, occasion: {type: string, maxLength: 200}}}}}}
      responses: {"201": {description: recorded}, "400": {description: no employee or a malformed date}, "404": {description: no such employee}, "422": {description: "expired card, blank issuer, or a 12-digit number in free text"}}

"""#
}

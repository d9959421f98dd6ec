/// The card applications' part of the OpenAPI document (appended to ``OpenAPIDocument/yaml``'s paths).
/// `/api/v1/me/…` is the signed-in employee's own application (no id in the path, so nobody can name
/// another person's); the rest needs the hr or admin role (403 otherwise). Refusals are JSON
/// `{error, reason, code, messageJa, messageEn, issues}`. No route takes or returns a My Number.
enum CardApplicationOpenAPI {
    static let paths = #"""

  /api/v1/me/card-status:
    get: {summary: "My card status (enrolled, cardNotEnrolled, applying, none, declined), my statement and my application", security: [{session: []}], responses: {"200": {description: status}, "404": {description: account not linked to an employee}}}
    put: {summary: "Say that I have a card or do not want to apply (no reason is asked or stored)", security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, required: [statement], properties: {statement: {type: string, enum: [hasCard, declined, none]}}}}}}, responses: {"200": {description: status}, "422": {description: unknown statement}}}
  /api/v1/me/card-application:
    get: {summary: My current application (the open one, else the latest), security: [{session: []}], responses: {"200": {description: application}, "404": {description: no application}}}
    post: {summary: Opt in to apply through the company, security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, properties: {route: {type: string, enum: [contractorBatch, onSiteSession]}}}}}}, responses: {"201": {description: opened}, "409": {description: card already enrolled or an application is open}, "422": {description: unknown route}}}
  /api/v1/me/card-application/data:
    put:
      summary: "Enter the application data: the 23-digit 申請書ID when the person has a 交付申請書, name and kana, birth date, address (the city of residence is read from it or given), contact"
      security: [{session: []}]
      requestBody: {content: {application/json: {schema: {type: object, required: [familyName, givenName, familyNameKana, givenNameKana, birthDate, address], properties: {route: {type: string, enum: [contractorBatch, onSiteSession]}, applicationFormID: {type: string, description: 23 digits; full-width digits, spaces and hyphens accepted}, familyName: {type: string}, givenName: {type: string}, familyNameKana: {type: string}, givenNameKana: {type: string}, birthDate: {type: string, example: "1990-04-01"}, postalCode: {type: string}, address: {type: string}, city: {type: string}, phone: {type: string}, email: {type: string}}}}}}
      responses: {"200": {description: saved}, "404": {description: no application}, "409": {description: the application can no longer be edited}, "422": {description: "problems, one per field, in Japanese and English"}}
  /api/v1/me/card-application/photo:
    get: {summary: My face photo as uploaded, security: [{session: []}], responses: {"200": {description: image/jpeg}, "404": {description: no photo}}}
    put:
      summary: "Upload the face photo (raw JPEG body, at most 8 MB): checked for format, file size, pixel size, 45×35 proportions, colour model and the EXIF date (6 months); a refused photo is not stored"
      security: [{session: []}]
      requestBody: {content: {image/jpeg: {schema: {type: string, format: binary}}}}
      responses: {"200": {description: "stored, with notices (e.g. no date in the file)"}, "409": {description: the application can no longer be edited}, "413": {description: larger than 8 MB}, "422": {description: "the photo does not meet the rules; every problem listed"}}
  /api/v1/me/card-application/events:
    post: {summary: "Record what happened to me: noticeReceived, cardReceived (at the city office), cardMailed (本人限定受取郵便) or withdraw", security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, required: [event], properties: {event: {type: string, enum: [noticeReceived, cardReceived, cardMailed, withdraw]}}}}}}, responses: {"200": {description: application}, "409": {description: not possible at this stage}, "422": {description: unknown event}}}
  /api/v1/card-campaign:
    get: {summary: "The campaign message about the card, filled in for me (?lang=en for English)", parameters: [{name: lang, in: query, schema: {type: string, enum: [ja, en]}}], security: [{session: []}], responses: {"200": {description: subject and body}}}
    put: {summary: "The facts the campaign and reminders fill in: company, contact, deadline (hr, admin)", security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, required: [company, contact, deadline], properties: {company: {type: string, maxLength: 100}, contact: {type: string, maxLength: 200}, deadline: {type: string, maxLength: 100}}}}}}, responses: {"200": {description: saved}, "422": {description: too long}}}
  /api/v1/card-status:
    get: {summary: "Card adoption: counts overall, by department and by site, and every employee's status (hr, admin)", security: [{session: []}], responses: {"200": {description: adoption}}}
  /api/v1/card-applications:
    get: {summary: "Applications, optionally ?stage= and ?route= (hr, admin)", parameters: [{name: stage, in: query, schema: {type: string}}, {name: route, in: query, schema: {type: string, enum: [contractorBatch, onSiteSession]}}], security: [{session: []}], responses: {"200": {description: list}}}
  /api/v1/card-applications/{id}:
    get: {summary: One application with its history, parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], responses: {"200": {description: application}, "404": {description: not found}}}
  /api/v1/card-applications/{id}/photo:
    get: {summary: "The application's photo (Cache-Control: no-store)", parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], responses: {"200": {description: image/jpeg}, "404": {description: no photo}}}
  /api/v1/card-applications/{id}/review:
    post: {summary: "The clerk accepts the application, or returns it with a note saying what to fix", parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, required: [decision], properties: {decision: {type: string, enum: [accept, return]}, note: {type: string, maxLength: 500}}}}}}, responses: {"200": {description: application}, "409": {description: "not reviewable (no route, no data, no acceptable photo for a batch)"}, "422": {description: bad decision or no note}}}
  /api/v1/card-applications/{id}/events:
    post: {summary: "Record an event for an employee: noticeReceived, cardReceived, cardMailed, reminderSent, withdraw, chooseRoute", parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}], security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, required: [event], properties: {event: {type: string}, route: {type: string, enum: [contractorBatch, onSiteSession]}}}}}}, responses: {"200": {description: application}, "409": {description: not possible at this stage}, "422": {description: unknown event}}}
  /api/v1/card-batches:
    get: {summary: Batches for the application-receiving contractor, security: [{session: []}], responses: {"200": {description: list}}}
    post: {summary: "Build one batch (CSV in the configured layout + photos, as a ZIP) from the given reviewed case-1 applications, or from all of them", security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, properties: {applications: {type: array, items: {type: string, format: uuid}}}}}}}, responses: {"201": {description: batch and file names}, "409": {description: an application is not ready}, "422": {description: nothing to batch}}}
  /api/v1/card-batches/{id}/package:
    get: {summary: "The batch's ZIP exactly as built (Cache-Control: no-store; the download is recorded)", parameters: [{name: id, in: path, required: true, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: application/zip}, "404": {description: not found}}}
  /api/v1/card-batches/{id}/sent:
    post: {summary: Record that the batch was sent to the contractor, parameters: [{name: id, in: path, required: true, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: batch}, "404": {description: not found}, "409": {description: already sent}}}
  /api/v1/card-batch-layout:
    get: {summary: The contractor's CSV layout, security: [{session: []}], responses: {"200": {description: layout}}}
    put: {summary: "Set the layout: ordered columns (field + header), encoding, date style, header line", security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, required: [name, columns, encoding, dateStyle, includeHeader], properties: {name: {type: string}, columns: {type: array, items: {type: object, required: [field, header], properties: {field: {type: string, enum: [rowNumber, applicationFormID, familyName, givenName, fullName, familyNameKana, givenNameKana, fullNameKana, birthDate, postalCode, address, prefecture, city, phone, email, photoFileName, employeeNumber, department]}, header: {type: string}}}}, encoding: {type: string, enum: [utf8WithBOM, shiftJIS]}, dateStyle: {type: string, enum: [iso, slashes, compact]}, includeHeader: {type: boolean}}}}}}, responses: {"200": {description: saved}, "422": {description: invalid layout}}}
  /api/v1/card-sessions/plan:
    get: {summary: "Case-2 applicants grouped by city of residence, with proposed sessions (at least ?minimum=5 per city, ?maximum= to split)", parameters: [{name: minimum, in: query, schema: {type: integer}}, {name: maximum, in: query, schema: {type: integer}}], security: [{session: []}], responses: {"200": {description: plan}}}
  /api/v1/card-sessions:
    get: {summary: On-site sessions with the cities, security: [{session: []}], responses: {"200": {description: list}}}
    post: {summary: "Create a session for one city's waiting applicants (all, or those given)", security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, required: [city], properties: {prefecture: {type: string}, city: {type: string}, applications: {type: array, items: {type: string, format: uuid}}}}}}}, responses: {"201": {description: session with its roster}, "422": {description: no applicants from that city, or an application of another city}}}
  /api/v1/card-sessions/{id}:
    get: {summary: "A session with its roster and each person's identity-document checklist (one photo ID, or two without a photo)", parameters: [{name: id, in: path, required: true, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: session}, "404": {description: not found}}}
  /api/v1/card-sessions/{id}/agreement:
    put: {summary: "The date, time and place agreed with the city, and the city's contact", parameters: [{name: id, in: path, required: true, schema: {type: string}}], security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, required: [date, place, contact], properties: {date: {type: string, example: "2026-12-10"}, startTime: {type: string, example: "10:00"}, place: {type: string}, contact: {type: object, required: [name], properties: {name: {type: string}, section: {type: string}, phone: {type: string}, email: {type: string}}}}}}}}, responses: {"200": {description: session}, "422": {description: bad date, time or missing contact}}}
  /api/v1/card-sessions/{id}/attendance:
    post: {summary: "On the day: the identity documents checked for a person, and whether the city accepted the application (cards come by 本人限定受取郵便)", parameters: [{name: id, in: path, required: true, schema: {type: string}}], security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, required: [application], properties: {application: {type: string, format: uuid}, documents: {type: array, items: {type: string}}, applied: {type: boolean}}}}}}, responses: {"200": {description: session with roster}, "409": {description: not possible at this stage}, "422": {description: unknown document or not enough documents}}}
  /api/v1/card-reminders:
    get: {summary: "Employees whose notice arrived but who have not picked the card up, with the message to send", parameters: [{name: afterDays, in: query, schema: {type: integer}}, {name: repeatEveryDays, in: query, schema: {type: integer}}, {name: lang, in: query, schema: {type: string, enum: [ja, en]}}], security: [{session: []}], responses: {"200": {description: reminders due}}}
  /api/v1/card-templates:
    get: {summary: "The message templates (campaign, pick-up reminder, session invitation) in Japanese and English, saved or default", security: [{session: []}], responses: {"200": {description: list}}}
  /api/v1/card-templates/{id}:
    put: {summary: "Save a template (id kind.language, e.g. campaign.ja); only known placeholders", parameters: [{name: id, in: path, required: true, schema: {type: string}}], security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, required: [subject, body], properties: {subject: {type: string, maxLength: 200}, body: {type: string, maxLength: 20000}}}}}}, responses: {"200": {description: saved}, "404": {description: no such template}, "422": {description: empty or unknown placeholder}}}
    delete: {summary: Back to the default text, parameters: [{name: id, in: path, required: true, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: the default}, "404": {description: no such template}}}
"""#
}

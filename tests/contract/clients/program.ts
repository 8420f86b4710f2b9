/**
 * A citizen app's first minutes (市民信用卡), written against the types openapi-typescript
 * generates from the served OpenAPI document, with plain fetch. tests/contract/ type-checks it
 * with `tsc --noEmit --strict`; it never runs. It pins what a client relies on: the operation ids,
 * the path and method each sits at, the request and response bodies, and cursor paging.
 */
import type { components, operations, paths } from "citizen-credit-card-api";

type Schemas = components["schemas"];
type OperationId = keyof operations;

/** The JSON body an operation takes. */
type RequestBody<Id extends OperationId> = operations[Id] extends {
  requestBody: { content: { "application/json": infer Body } };
}
  ? Body
  : never;

/** The JSON body of one documented answer of an operation. */
type ResponseBody<
  Id extends OperationId,
  Status extends keyof operations[Id]["responses"],
> = operations[Id]["responses"][Status] extends { content: { "application/json": infer Body } }
  ? Body
  : never;

/** The query parameters of an operation. */
type Query<Id extends OperationId> = NonNullable<operations[Id]["parameters"]["query"]>;

/** `true` only when both types are the same: an operation id must name the operation at its path. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const operationsAtTheirPaths: [
  Same<paths["/v1/auth/codes"]["post"], operations["requestSignInCode"]>,
  Same<paths["/v1/auth/sign-in"]["post"], operations["signIn"]>,
  Same<paths["/v1/auth/sign-up"]["post"], operations["signUp"]>,
  Same<paths["/v1/me/card"]["get"], operations["getMyCard"]>,
  Same<paths["/v1/me/records"]["get"], operations["listMyRecords"]>,
  Same<paths["/v1/me/verification-codes"]["post"], operations["makeVerificationCode"]>,
  Same<paths["/v1/public/notices"]["get"], operations["getPublicNotices"]>,
] = [true, true, true, true, true, true, true];

const API = "http://127.0.0.1:8000";
const NOT_FOUND = 404;

/** An RFC 9457 problem document the API answered instead of what was asked. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: Schemas["Problem"],
  ) {
    super(`${status} ${problem.title}: ${problem.detail ?? problem.type}`);
  }
}

interface ApiCall {
  method: "GET" | "POST";
  path: string;
  expected: number;
  accessToken?: string;
  body?: unknown;
}

async function call<Answer>({ method, path, expected, accessToken, body }: ApiCall): Promise<Answer> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (accessToken !== undefined) headers["authorization"] = `Bearer ${accessToken}`;
  const response = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  });
  const payload: unknown = await response.json();
  if (response.status !== expected) {
    throw new ApiProblem(response.status, payload as Schemas["Problem"]);
  }
  return payload as Answer;
}

function queryString(query: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) search.set(name, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

export function requestSignInCode(
  body: RequestBody<"requestSignInCode">,
): Promise<ResponseBody<"requestSignInCode", 200>> {
  return call({ method: "POST", path: "/v1/auth/codes", expected: 200, body });
}

export function signIn(body: RequestBody<"signIn">): Promise<ResponseBody<"signIn", 200>> {
  return call({ method: "POST", path: "/v1/auth/sign-in", expected: 200, body });
}

export function getPublicNotices(): Promise<ResponseBody<"getPublicNotices", 200>> {
  return call({ method: "GET", path: "/v1/public/notices", expected: 200 });
}

export function signUp(body: RequestBody<"signUp">): Promise<ResponseBody<"signUp", 201>> {
  return call({ method: "POST", path: "/v1/auth/sign-up", expected: 201, body });
}

export function getMyProfile(accessToken: string): Promise<Schemas["Profile"]> {
  return call({ method: "GET", path: "/v1/me", expected: 200, accessToken });
}

export function acceptMyNotices(
  accessToken: string,
  body: RequestBody<"acceptMyNotices">,
): Promise<Schemas["NoticesStatus"]> {
  return call({ method: "POST", path: "/v1/me/notices:accept", expected: 200, accessToken, body });
}

export function getMyCard(accessToken: string): Promise<Schemas["CardView"]> {
  return call({ method: "GET", path: "/v1/me/card", expected: 200, accessToken });
}

export function listMyRecords(
  accessToken: string,
  query: Query<"listMyRecords">,
): Promise<Schemas["RecordPage"]> {
  const path = `/v1/me/records${queryString(query)}`;
  return call({ method: "GET", path, expected: 200, accessToken });
}

export function makeVerificationCode(
  accessToken: string,
  body: RequestBody<"makeVerificationCode">,
): Promise<Schemas["CodeIssued"]> {
  return call({ method: "POST", path: "/v1/me/verification-codes", expected: 201, accessToken, body });
}

/** Who the citizen says they are, for the real-name check (实名核验) at sign-up. */
export interface RealName {
  name: string;
  idNumber: string;
}

/** Shows the privacy notice, the user agreement and the sensitive-information consent in force;
 * true once the citizen accepted all three (each its own tick box). */
export type AskToAccept = (documents: Schemas["NoticeDocumentOut"][]) => Promise<boolean>;

/** Signs in with a one-time code; a phone with no account yet reads and accepts the notices in
 * force and signs up with a fresh code (sign-in used the first one up). `readCode` is the
 * citizen typing in the SMS. */
export async function signInOrSignUp(
  phone: string,
  readCode: () => Promise<string>,
  person: RealName,
  askToAccept: AskToAccept,
): Promise<Schemas["TokenPair"]> {
  const sent: Schemas["CodeSent"] = await requestSignInCode({ phone });
  console.log(`code sent to ${sent.phone}, valid ${sent.expiresIn} s`);
  try {
    return await signIn({ phone, code: await readCode() });
  } catch (error) {
    if (!(error instanceof ApiProblem) || error.status !== NOT_FOUND) throw error;
  }
  const notices: Schemas["PublicNotices"] = await getPublicNotices();
  if (!(await askToAccept(notices.documents))) throw new Error("the notices were not accepted");
  await requestSignInCode({ phone });
  return signUp({
    phone,
    code: await readCode(),
    name: person.name,
    idNumber: person.idNumber,
    noticesVersion: notices.version,
    acceptPrivacyNotice: true,
    acceptUserAgreement: true,
    consentToSensitiveInformation: true,
  });
}

/** Every record on the card, newest first, one page after another (cursor paging). */
export async function* allMyRecords(accessToken: string): AsyncGenerator<Schemas["RecordOut"]> {
  let cursor: string | null | undefined = undefined;
  do {
    const page: Schemas["RecordPage"] = await listMyRecords(accessToken, { limit: 50, cursor });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}

export async function firstVisit(
  phone: string,
  readCode: () => Promise<string>,
  person: RealName,
  askToAccept: AskToAccept,
): Promise<void> {
  const tokens = await signInOrSignUp(phone, readCode, person, askToAccept);
  // A newer privacy notice or user agreement took effect since the citizen accepted: ask first.
  const { notices: standing } = await getMyProfile(tokens.accessToken);
  if (standing.toAccept.length > 0) {
    const notices: Schemas["PublicNotices"] = await getPublicNotices();
    const changed = notices.documents.filter((d) => standing.toAccept.includes(d.document));
    if (!(await askToAccept(changed))) return;
    await acceptMyNotices(tokens.accessToken, {
      noticesVersion: notices.version,
      acceptPrivacyNotice: true,
      acceptUserAgreement: true,
      consentToSensitiveInformation: true,
    });
  }
  const card = await getMyCard(tokens.accessToken);
  console.log(`${card.points} points, grade ${card.grade.nameZh}`);
  for await (const record of allMyRecords(tokens.accessToken)) {
    console.log(`${record.occurredOn} ${record.titleZh} ${record.pointsEffect ?? 0}`);
  }
  const issued = await makeVerificationCode(tokens.accessToken, {
    benefit: "library-deposit-waiver",
  });
  console.log(`show the merchant ${issued.code} (until ${issued.expiresAt})`);
}

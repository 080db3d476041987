// Cognito's user API, the few calls of the sign-in security page: the person's
// own account, authorised by their access token (scope
// aws.cognito.signin.user.admin). AWS's JSON protocol over a plain fetch: the
// operation in X-Amz-Target, errors as {"__type", "message"}; no SDK for four calls.

export interface UserPoolUser {
  Username: string;
  UserAttributes: { Name: string; Value: string }[];
  /** Cognito leaves it out when the user has no MFA. */
  UserMFASettingList?: string[];
  PreferredMfaSetting?: string;
}

export interface UserPoolOperations {
  GetUser: [Record<string, never>, UserPoolUser];
  AssociateSoftwareToken: [Record<string, never>, { SecretCode: string }];
  VerifySoftwareToken: [{ UserCode: string; FriendlyDeviceName?: string }, { Status: "SUCCESS" | "ERROR" }];
  SetUserMFAPreference: [{ SoftwareTokenMfaSettings: { Enabled: boolean; PreferredMfa: boolean } }, Record<string, never>];
}

/** A refusal of the user API: Cognito's exception name and message. */
export class UserPoolError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export const AUTHENTICATOR = "SOFTWARE_TOKEN_MFA";

export async function userPoolCall<Op extends keyof UserPoolOperations>(
  url: string,
  accessToken: string,
  operation: Op,
  body: UserPoolOperations[Op][0],
): Promise<UserPoolOperations[Op][1]> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${operation}`,
      },
      body: JSON.stringify({ ...body, AccessToken: accessToken }),
    });
  } catch {
    throw new UserPoolError("network", "The sign-in service cannot be reached. Check your connection and try again.");
  }
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    // The type may come as "prefix#Name" (AWS's JSON protocol allows it): the name is what matters.
    const type = String(answer.__type ?? response.headers.get("x-amzn-ErrorType") ?? "error").split("#").pop()!.split(":")[0];
    throw new UserPoolError(type, String(answer.message ?? answer.Message ?? `HTTP ${response.status}`));
  }
  return answer as UserPoolOperations[Op][1];
}

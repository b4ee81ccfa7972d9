/**
 * oauth2-proxy options (config keys) that authgate deliberately does not implement. Meeting one is reported
 * as "not supported by authgate" instead of with a misleading closest-name suggestion, so someone moving an
 * existing deployment over sees at once which settings need a decision.
 */
const KEYS = `
  tls_cipher_suites
  metrics_secure_address insecure_oidc_skip_nonce insecure_oidc_skip_issuer_verification approval_prompt
  bearer_token_login_fallback
  profile_url cookie_csrf_per_request
  custom_sign_in_logo display_htpasswd_form
  htpasswd_file trusted_ips pass_basic_auth basic_auth_password set_basic_auth skip_claims_from_profile_url
  user_id_claim oidc_audience_claims encode_state ssl_upstream_insecure_skip_verify_hosts
  reverse_proxy_headers logging_filename logging_max_size logging_max_age logging_max_backups
  logging_local_time logging_compress standard_logging_format auth_logging_format request_logging_format
  errors_to_info_log gcp_healthchecks session_cookie_minimal keycloak_group keycloak_groups azure_tenant
  allowed_role allowed_roles login_url_parameters
`;

export const UNSUPPORTED_OAUTH2_PROXY_KEYS: ReadonlySet<string> = new Set(KEYS.split(/\s+/).filter(Boolean));

/** True for an oauth2-proxy option authgate knows about but does not implement (snake_case config key). */
export function isUnsupportedOauth2ProxyKey(configKey: string): boolean {
  return UNSUPPORTED_OAUTH2_PROXY_KEYS.has(configKey);
}

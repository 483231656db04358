/* Shortcuts of production calls with the arguments the tests always pass. See support.h. */
#include "support/support.h"

#include "domain/auth.h"
#include "domain/internal/users_store.h"

char *auth_issue_token(const char *user_id, const char *role, struct auth_claims *out)
{
	return auth_issue_token_after(user_id, role, 0, out);
}

bool users_get_contact(const bson_oid_t *id, char **email, char **phone, bool *pref_email,
		       bool *pref_sms, bool *pref_inapp, bson_error_t *err)
{
	return users_get_contact_named(id, NULL, email, phone, pref_email, pref_sms, pref_inapp,
				       NULL, err);
}

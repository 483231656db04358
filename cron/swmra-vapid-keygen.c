/* swmra-vapid-keygen: prints a fresh VAPID key pair (P-256, base64url) for web push as
 * lines ready for swmra.env / .env. Not a cron job; it lives here with the other thin
 * mains. Usage: swmra-vapid-keygen [--subject mailto:ops@example.org] */
#include <stdio.h>
#include <string.h>

#include "infra/webpush.h"

int main(int argc, char **argv)
{
	const char *subject = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--subject") == 0 && i + 1 < argc) {
			subject = argv[++i];
		} else {
			FILE *o = strcmp(argv[i], "--help") == 0 ? stdout : stderr;
			fprintf(o,
				"usage: %s [--subject mailto:ADDRESS|https://URL]\n"
				"Prints VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY (and VAPID_SUBJECT) "
				"for ENABLE_PUSH=true.\nKeep the private key secret; changing the "
				"pair invalidates every browser subscription.\n",
				argv[0]);
			return o == stdout ? 0 : 2;
		}
	}
	char pub[96], priv[48];
	if (webpush_keygen(pub, priv) < 0) {
		fprintf(stderr, "swmra-vapid-keygen: key generation failed\n");
		return 1;
	}
	printf("VAPID_PUBLIC_KEY=%s\nVAPID_PRIVATE_KEY=%s\n", pub, priv);
	if (subject)
		printf("VAPID_SUBJECT=%s\n", subject);
	return 0;
}

/* postern-keys-test.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the keys tests share: throwaway GnuPG homes, and the real gpg
 * binary run beside Postern, as a correspondent using another program
 * would run it.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

char *postern_keys_test_make_home (const char *parent, const char *name);
void postern_keys_test_kill_agents (const char *gnupg_home);
int postern_keys_test_gpg (const char *gnupg_home, GBytes *input, GBytes **out_stdout,
                           char **out_stderr, ...) G_GNUC_NULL_TERMINATED;
char *postern_keys_test_gpg_make_key (const char *gnupg_home, const char *uid);
char *postern_keys_test_gpg_make_signing_key (const char *gnupg_home, const char *uid);
GBytes *postern_keys_test_gpg_export (const char *gnupg_home, const char *fpr, gboolean armor);
char *postern_keys_test_bytes_to_string (GBytes *bytes);
char *postern_keys_test_need_program (const char *name, const char *package);

G_END_DECLS

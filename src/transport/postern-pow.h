/* postern-pow.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Proof-of-work stamps against bulk mail (docs/protocols/smtorp.md §3):
 * X-Smtorp-Pow with Argon2id (the default) and X-Hashcash v1 (deprecated,
 * its required bits rising with time). Parsing and verifying are pure and
 * cheap checks come before any hashing; minting runs in worker threads, is
 * cancellable and reports progress.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  POSTERN_POW_ARGON2ID,
  POSTERN_POW_HASHCASH,
} PosternPowAlgorithm;

#define POSTERN_POW_DEFAULT_ARGON2_M 64
#define POSTERN_POW_DEFAULT_ARGON2_T 1
#define POSTERN_POW_MAX_BITS 64

typedef struct
{
  guint argon2_bits;
  guint argon2_min_m, argon2_max_m; /* KiB */
  guint argon2_min_t, argon2_max_t;
  guint hashcash_base_bits;
  gint64 hashcash_deprecated; /* Unix time of the deprecation date */
  guint hashcash_step_days;
} PosternPowPolicy;

void postern_pow_policy_init_default (PosternPowPolicy *policy);
guint postern_pow_policy_required_bits (const PosternPowPolicy *policy, PosternPowAlgorithm alg,
                                        gint64 now);

typedef struct
{
  PosternPowAlgorithm alg;
  guint bits;
  char *resource;  /* lowercase */
  gint64 date;     /* Unix time */
  guint m, t;      /* Argon2id only */
  char *nonce;     /* Argon2id only */
  char *canonical; /* what is hashed: the canonical text, or the hashcash string */
} PosternPowStamp;

void postern_pow_stamp_free (PosternPowStamp *stamp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternPowStamp, postern_pow_stamp_free)

PosternPowStamp *postern_pow_stamp_parse (const char *text, GError **error);
char *postern_pow_stamp_to_header (const PosternPowStamp *stamp);
char *postern_pow_stamp_spent_key (const PosternPowStamp *stamp);
gint64 postern_pow_stamp_expires (const PosternPowStamp *stamp);
gboolean postern_pow_verify (const PosternPowStamp *stamp, const char *resource,
                             const PosternPowPolicy *policy, gint64 now, GError **error);

typedef void (*PosternPowProgress) (guint64 attempts, gpointer user_data);

PosternPowStamp *postern_pow_mint (PosternPowAlgorithm alg, guint bits, const char *resource,
                                   guint m, guint t, gint64 now, GCancellable *cancellable,
                                   GError **error);
void postern_pow_mint_async (PosternPowAlgorithm alg, guint bits, const char *resource,
                             GCancellable *cancellable, PosternPowProgress progress,
                             gpointer progress_data, GAsyncReadyCallback callback,
                             gpointer user_data);
PosternPowStamp *postern_pow_mint_finish (GAsyncResult *result, GError **error);

guint postern_pow_leading_zero_bits (const guint8 *digest, gsize len);

G_END_DECLS

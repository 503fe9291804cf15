/* postern-pow.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "postern-error.h"
#include "postern-pow.h"

#define ARGON2_SALT_PREFIX "smtorp-pow-v1:"
#define ARGON2_PAST_SECONDS (48 * 3600)
#define ARGON2_FUTURE_SECONDS 3600
#define HASHCASH_PAST_SECONDS (28 * 86400)
#define HASHCASH_FUTURE_SECONDS (2 * 86400)
#define MAX_RESOURCE_LEN 254
#define MAX_NONCE_LEN 64

void
postern_pow_policy_init_default (PosternPowPolicy *policy)
{
  g_autoptr (GDateTime) deprecated = g_date_time_new_utc (2026, 1, 1, 0, 0, 0);

  policy->argon2_bits = 12;
  policy->argon2_min_m = POSTERN_POW_DEFAULT_ARGON2_M;
  policy->argon2_max_m = 65536;
  policy->argon2_min_t = POSTERN_POW_DEFAULT_ARGON2_T;
  policy->argon2_max_t = 4;
  policy->hashcash_base_bits = 20;
  policy->hashcash_deprecated = g_date_time_to_unix (deprecated);
  policy->hashcash_step_days = 60;
}

/* Hashcash is SHA-1 work that gets cheaper every year; after its
 * deprecation date it must buy the same delay with ever more bits. */
guint
postern_pow_policy_required_bits (const PosternPowPolicy *policy, PosternPowAlgorithm alg,
                                  gint64 now)
{
  gint64 since;

  if (alg == POSTERN_POW_ARGON2ID)
    return policy->argon2_bits;
  since = now - policy->hashcash_deprecated;
  if (since <= 0 || policy->hashcash_step_days == 0)
    return policy->hashcash_base_bits;
  return MIN (160, policy->hashcash_base_bits
                     + (guint) (since / ((gint64) policy->hashcash_step_days * 86400)));
}

void
postern_pow_stamp_free (PosternPowStamp *stamp)
{
  if (stamp == NULL)
    return;
  g_free (stamp->resource);
  g_free (stamp->nonce);
  g_free (stamp->canonical);
  g_free (stamp);
}

guint
postern_pow_leading_zero_bits (const guint8 *digest, gsize len)
{
  guint bits = 0;

  for (gsize i = 0; i < len; i++)
    {
      if (digest[i] == 0)
        {
          bits += 8;
          continue;
        }
      for (guint8 mask = 0x80; mask != 0 && (digest[i] & mask) == 0; mask >>= 1)
        bits++;
      break;
    }
  return bits;
}

static gboolean
invalid (GError **error, const char *why)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "invalid stamp: %s", why);
  return FALSE;
}

static gboolean
parse_decimal (const char *s, guint64 min, guint64 max, guint64 *out)
{
  if (*s == '\0' || strspn (s, "0123456789") != strlen (s) || strlen (s) > 10)
    return FALSE;
  return g_ascii_string_to_unsigned (s, 10, min, max, out, NULL);
}

static gboolean
resource_is_valid (const char *r)
{
  gsize len = strlen (r);

  if (len == 0 || len > MAX_RESOURCE_LEN || strchr (r, '@') == NULL)
    return FALSE;
  for (const char *p = r; *p; p++)
    if ((guchar) *p <= ' ' || (guchar) *p >= 0x7f || *p == ';' || *p == ':')
      return FALSE;
  return TRUE;
}

/* digits: 14 (YYYYMMDDHHMMSS) for Argon2id; 6, 10 or 12 (YYMMDD[hhmm[ss]]) for hashcash. */
static gboolean
parse_date (const char *s, gboolean short_year, gint64 *out)
{
  gsize len = strlen (s);
  int f[6] = { 0, 1, 1, 0, 0, 0 };
  g_autoptr (GDateTime) dt = NULL;
  const char *p = s;

  if (strspn (s, "0123456789") != len)
    return FALSE;
  if (short_year ? (len != 6 && len != 10 && len != 12) : len != 14)
    return FALSE;
  f[0] = short_year ? 2000 + (p[0] - '0') * 10 + (p[1] - '0')
                    : (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
  p += short_year ? 2 : 4;
  for (int i = 1; i < 6 && *p; i++, p += 2)
    f[i] = (p[0] - '0') * 10 + (p[1] - '0');
  /* No stamp predates 1970; older years would also not print back as the
   * four digits they were written with. */
  if (f[0] < 1970 || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59
      || f[5] > 59)
    return FALSE;
  dt = g_date_time_new_utc (f[0], f[1], f[2], f[3], f[4], f[5]);
  if (dt == NULL)
    return FALSE;
  *out = g_date_time_to_unix (dt);
  return TRUE;
}

static char *
argon2_canonical (const PosternPowStamp *s)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (s->date);

  return g_strdup_printf ("v=1;a=argon2id;m=%u;t=%u;b=%u;r=%s;d=%04d%02d%02d%02d%02d%02d;n=%s",
                          s->m, s->t, s->bits, s->resource, g_date_time_get_year (dt),
                          g_date_time_get_month (dt), g_date_time_get_day_of_month (dt),
                          g_date_time_get_hour (dt), g_date_time_get_minute (dt),
                          g_date_time_get_second (dt), s->nonce);
}

static PosternPowStamp *
parse_argon2 (const char *text, GError **error)
{
  static const char *const names[] = { "v", "a", "m", "t", "b", "r", "d", "n" };
  g_auto (GStrv) fields = g_strsplit (text, ";", -1);
  g_autoptr (PosternPowStamp) s = g_new0 (PosternPowStamp, 1);
  const char *values[G_N_ELEMENTS (names)];
  guint64 v;

  if (g_strv_length (fields) != G_N_ELEMENTS (names))
    return invalid (error, "X-Smtorp-Pow needs the fields v, a, m, t, b, r, d, n in order"), NULL;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      char *f = g_strstrip (fields[i]);
      gsize n = strlen (names[i]);
      if (strncmp (f, names[i], n) != 0 || f[n] != '=')
        return invalid (error, "X-Smtorp-Pow needs the fields v, a, m, t, b, r, d, n in order"),
               NULL;
      values[i] = f + n + 1;
    }
  if (!g_str_equal (values[0], "1"))
    return invalid (error, "unknown version"), NULL;
  if (!g_str_equal (values[1], "argon2id"))
    return invalid (error, "unknown algorithm"), NULL;
  s->alg = POSTERN_POW_ARGON2ID;
  if (!parse_decimal (values[2], 8, 1048576, &v))
    return invalid (error, "m must be 8 to 1048576 KiB"), NULL;
  s->m = (guint) v;
  if (!parse_decimal (values[3], 1, 16, &v))
    return invalid (error, "t must be 1 to 16"), NULL;
  s->t = (guint) v;
  if (!parse_decimal (values[4], 1, POSTERN_POW_MAX_BITS, &v))
    return invalid (error, "b must be 1 to 64"), NULL;
  s->bits = (guint) v;
  if (!resource_is_valid (values[5]))
    return invalid (error, "r is not an address"), NULL;
  s->resource = g_ascii_strdown (values[5], -1);
  if (!parse_date (values[6], FALSE, &s->date))
    return invalid (error, "d is not a date YYYYMMDDHHMMSS"), NULL;
  if (*values[7] == '\0' || strlen (values[7]) > MAX_NONCE_LEN
      || strspn (values[7], "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-")
           != strlen (values[7]))
    return invalid (error, "n must be 1 to 64 characters of [0-9a-zA-Z_-]"), NULL;
  s->nonce = g_strdup (values[7]);
  s->canonical = argon2_canonical (s);
  return g_steal_pointer (&s);
}

static PosternPowStamp *
parse_hashcash (const char *text, GError **error)
{
  g_auto (GStrv) fields = g_strsplit (text, ":", -1);
  g_autoptr (PosternPowStamp) s = g_new0 (PosternPowStamp, 1);
  guint64 v;

  if (g_strv_length (fields) != 7)
    return invalid (error, "X-Hashcash needs 1:BITS:DATE:RESOURCE:EXT:RAND:COUNTER"), NULL;
  if (!g_str_equal (fields[0], "1"))
    return invalid (error, "only hashcash version 1 is supported"), NULL;
  if (!parse_decimal (fields[1], 0, 160, &v))
    return invalid (error, "hashcash bits must be 0 to 160"), NULL;
  s->bits = (guint) v;
  if (!parse_date (fields[2], TRUE, &s->date))
    return invalid (error, "hashcash date is not YYMMDD[hhmm[ss]]"), NULL;
  if (!resource_is_valid (fields[3]))
    return invalid (error, "hashcash resource is not an address"), NULL;
  if (*fields[5] == '\0' || *fields[6] == '\0')
    return invalid (error, "hashcash random and counter must not be empty"), NULL;
  for (const char *p = text; *p; p++)
    if ((guchar) *p <= ' ' || (guchar) *p >= 0x7f)
      return invalid (error, "hashcash stamps are printable ASCII without spaces"), NULL;
  s->alg = POSTERN_POW_HASHCASH;
  s->resource = g_ascii_strdown (fields[3], -1);
  s->canonical = g_strdup (text);
  return g_steal_pointer (&s);
}

/**
 * postern_pow_stamp_parse:
 * @text: a header line ("X-Smtorp-Pow: …" or "X-Hashcash: …", possibly
 *   folded) or a bare stamp
 *
 * Returns: (transfer full): the stamp, or %NULL with an error saying what
 *   is malformed. Parsing does no hashing.
 */
PosternPowStamp *
postern_pow_stamp_parse (const char *text, GError **error)
{
  g_autoptr (GString) unfolded = g_string_new (NULL);
  const char *body;

  if (text == NULL || strlen (text) > 2048)
    return invalid (error, "too long"), NULL;
  /* Header folding: a line break followed by white space is white space. */
  for (const char *p = text; *p; p++)
    {
      if ((*p == '\r' || *p == '\n') && (p[1] == ' ' || p[1] == '\t' || p[1] == '\r' || p[1] == '\n'))
        continue;
      g_string_append_c (unfolded, *p == '\t' ? ' ' : *p);
    }
  g_strstrip (unfolded->str);
  unfolded->len = strlen (unfolded->str);
  if (memchr (text, '\0', strlen (text)) == NULL && strpbrk (unfolded->str, "\r\n") != NULL)
    return invalid (error, "more than one line"), NULL;

  body = unfolded->str;
  if (g_ascii_strncasecmp (body, "X-Smtorp-Pow:", 13) == 0)
    return parse_argon2 (g_strchug ((char *) body + 13), error);
  if (g_ascii_strncasecmp (body, "X-Hashcash:", 11) == 0)
    return parse_hashcash (g_strchug ((char *) body + 11), error);
  if (g_str_has_prefix (body, "v="))
    return parse_argon2 (unfolded->str, error);
  if (g_str_has_prefix (body, "1:"))
    return parse_hashcash (unfolded->str, error);
  return invalid (error, "neither an X-Smtorp-Pow nor an X-Hashcash stamp"), NULL;
}

char *
postern_pow_stamp_to_header (const PosternPowStamp *stamp)
{
  if (stamp->alg == POSTERN_POW_HASHCASH)
    return g_strconcat ("X-Hashcash: ", stamp->canonical, NULL);
  {
    g_autofree char *spaced = NULL;
    g_auto (GStrv) parts = g_strsplit (stamp->canonical, ";", -1);
    spaced = g_strjoinv ("; ", parts);
    return g_strconcat ("X-Smtorp-Pow: ", spaced, NULL);
  }
}

char *
postern_pow_stamp_spent_key (const PosternPowStamp *stamp)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, stamp->canonical, -1);
}

gint64
postern_pow_stamp_expires (const PosternPowStamp *stamp)
{
  return stamp->date
         + (stamp->alg == POSTERN_POW_ARGON2ID ? ARGON2_PAST_SECONDS : HASHCASH_PAST_SECONDS);
}

static void
argon2_salt (const char *resource, guint8 salt[crypto_pwhash_SALTBYTES])
{
  g_autofree char *input = g_strconcat (ARGON2_SALT_PREFIX, resource, NULL);
  guint8 digest[32];
  gsize len = sizeof digest;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (sum, (const guchar *) input, -1);
  g_checksum_get_digest (sum, digest, &len);
  memcpy (salt, digest, crypto_pwhash_SALTBYTES);
}

static gboolean
sodium_ready (void)
{
  static gsize done;
  static gboolean ok;

  if (g_once_init_enter (&done))
    {
      ok = sodium_init () >= 0;
      g_once_init_leave (&done, 1);
    }
  return ok;
}

/* Zero bits of the stamp's hash; -1 when hashing failed (out of memory). */
static int
work_bits (const PosternPowStamp *s, const guint8 *salt)
{
  if (s->alg == POSTERN_POW_ARGON2ID)
    {
      guint8 out[32];
      if (crypto_pwhash_argon2id (out, sizeof out, s->canonical, strlen (s->canonical), salt,
                                  s->t, (size_t) s->m * 1024,
                                  crypto_pwhash_argon2id_ALG_ARGON2ID13)
          != 0)
        return -1;
      return (int) postern_pow_leading_zero_bits (out, sizeof out);
    }
  else
    {
      guint8 digest[20];
      gsize len = sizeof digest;
      g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA1);
      g_checksum_update (sum, (const guchar *) s->canonical, -1);
      g_checksum_get_digest (sum, digest, &len);
      return (int) postern_pow_leading_zero_bits (digest, len);
    }
}

static gboolean
refused (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
refused (GError **error, const char *format, ...)
{
  va_list ap;
  g_autofree char *why = NULL;

  va_start (ap, format);
  why = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY, "stamp refused: %s", why);
  return FALSE;
}

/**
 * postern_pow_verify:
 * @resource: the recipient the stamp must be for
 * @now: the time to judge the stamp's date by (Unix time)
 *
 * Checks everything but the spent list. Cheap checks (recipient, dates,
 * declared bits, Argon2 parameters) come first, so a junk stamp costs no
 * hashing. Refusals are %POSTERN_ERROR_POLICY.
 */
gboolean
postern_pow_verify (const PosternPowStamp *stamp, const char *resource,
                    const PosternPowPolicy *policy, gint64 now, GError **error)
{
  guint required = postern_pow_policy_required_bits (policy, stamp->alg, now);
  gint64 past = stamp->alg == POSTERN_POW_ARGON2ID ? ARGON2_PAST_SECONDS : HASHCASH_PAST_SECONDS;
  gint64 future
    = stamp->alg == POSTERN_POW_ARGON2ID ? ARGON2_FUTURE_SECONDS : HASHCASH_FUTURE_SECONDS;
  guint8 salt[crypto_pwhash_SALTBYTES];
  int bits;

  if (resource == NULL || g_ascii_strcasecmp (stamp->resource, resource) != 0)
    return refused (error, "it is for %s, not for %s", stamp->resource, resource ? resource : "");
  if (stamp->date > now + future)
    return refused (error, "it is dated in the future");
  if (stamp->date < now - past)
    return refused (error, "it has expired");
  if (stamp->bits < required)
    return refused (error, "%u bits of work, %u required", stamp->bits, required);
  if (stamp->alg == POSTERN_POW_ARGON2ID)
    {
      if (stamp->m < policy->argon2_min_m || stamp->m > policy->argon2_max_m)
        return refused (error, "Argon2 memory %u KiB is outside %u to %u KiB", stamp->m,
                        policy->argon2_min_m, policy->argon2_max_m);
      if (stamp->t < policy->argon2_min_t || stamp->t > policy->argon2_max_t)
        return refused (error, "Argon2 iterations %u are outside %u to %u", stamp->t,
                        policy->argon2_min_t, policy->argon2_max_t);
      if (!sodium_ready ())
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "libsodium cannot start");
          return FALSE;
        }
      argon2_salt (stamp->resource, salt);
    }
  bits = work_bits (stamp, salt);
  if (bits < 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "out of memory checking a stamp");
      return FALSE;
    }
  if ((guint) bits < stamp->bits)
    return refused (error, "its hash has %d zero bits, not the %u it claims", bits, stamp->bits);
  return TRUE;
}

/* Minting: every worker tries its own nonces until one finds enough zero
 * bits, the caller cancels, or another worker won. */
typedef struct
{
  PosternPowAlgorithm alg;
  guint bits, m, t;
  char *resource;
  gint64 now;
  char *random;
  GCancellable *cancellable;
  gint found;         /* atomic */
  gssize attempts; /* atomic */
  PosternPowStamp *winner;
  GMutex lock;
  guint8 salt[crypto_pwhash_SALTBYTES];
} Mint;

typedef struct
{
  Mint *mint;
  guint index;
} Worker;

static char *
random_token (guint len)
{
  static const char alphabet[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  GString *out = g_string_sized_new (len);

  for (guint i = 0; i < len; i++)
    g_string_append_c (out, alphabet[randombytes_uniform (sizeof alphabet - 1)]);
  return g_string_free (out, FALSE);
}

static gpointer
mint_worker (gpointer data)
{
  Worker *w = data;
  Mint *mint = w->mint;
  PosternPowStamp s = { 0 };
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (mint->now);
  g_autofree char *short_date = g_date_time_format (dt, "%y%m%d%H%M%S");

  s.alg = mint->alg;
  s.bits = mint->bits;
  s.resource = mint->resource;
  s.date = mint->now;
  s.m = mint->m;
  s.t = mint->t;

  for (guint64 counter = 0; !g_atomic_int_get (&mint->found); counter++)
    {
      g_autofree char *nonce = NULL;
      int bits;

      if ((counter & 63) == 0 && g_cancellable_is_cancelled (mint->cancellable))
        break;
      if (mint->alg == POSTERN_POW_ARGON2ID)
        {
          nonce = g_strdup_printf ("%s%ux%" G_GINT64_MODIFIER "x", mint->random, w->index, counter);
          s.nonce = nonce;
          s.canonical = argon2_canonical (&s);
        }
      else
        s.canonical = g_strdup_printf ("1:%u:%s:%s::%s%u:%" G_GINT64_MODIFIER "x", mint->bits,
                                       short_date, mint->resource, mint->random, w->index,
                                       counter);
      bits = work_bits (&s, mint->salt);
      g_atomic_pointer_add (&mint->attempts, 1);
      if (bits >= 0 && (guint) bits >= mint->bits)
        {
          g_mutex_lock (&mint->lock);
          if (mint->winner == NULL)
            {
              PosternPowStamp *won = g_new0 (PosternPowStamp, 1);
              *won = s;
              won->resource = g_strdup (s.resource);
              won->nonce = g_strdup (s.nonce);
              won->canonical = g_steal_pointer (&s.canonical);
              mint->winner = won;
              g_atomic_int_set (&mint->found, 1);
            }
          g_mutex_unlock (&mint->lock);
        }
      g_clear_pointer (&s.canonical, g_free);
      s.nonce = NULL;
    }
  return NULL;
}

static PosternPowStamp *
mint_run (Mint *mint, GError **error)
{
  guint n = MAX (1, g_get_num_processors ());
  g_autofree GThread **threads = g_new0 (GThread *, n);
  g_autofree Worker *workers = g_new0 (Worker, n);

  if (!sodium_ready ())
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "libsodium cannot start");
      return NULL;
    }
  if (mint->bits == 0 || mint->bits > (mint->alg == POSTERN_POW_ARGON2ID ? 40u : 40u))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "bits must be 1 to 40 for minting");
      return NULL;
    }
  if (!resource_is_valid (mint->resource))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "the resource must be the recipient's address");
      return NULL;
    }
  if (mint->alg == POSTERN_POW_ARGON2ID)
    argon2_salt (mint->resource, mint->salt);
  mint->random = random_token (mint->alg == POSTERN_POW_ARGON2ID ? 8 : 16);

  for (guint i = 0; i < n; i++)
    {
      workers[i] = (Worker){ mint, i };
      threads[i] = g_thread_new ("pow-mint", mint_worker, &workers[i]);
    }
  for (guint i = 0; i < n; i++)
    g_thread_join (threads[i]);

  if (mint->winner == NULL)
    {
      g_cancellable_set_error_if_cancelled (mint->cancellable, error);
      if (error != NULL && *error == NULL)
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "minting stopped");
      return NULL;
    }
  return g_steal_pointer (&mint->winner);
}

static void
mint_clear (Mint *mint)
{
  g_free (mint->resource);
  g_free (mint->random);
  g_clear_object (&mint->cancellable);
  g_clear_pointer (&mint->winner, postern_pow_stamp_free);
  g_mutex_clear (&mint->lock);
}

static Mint *
mint_new (PosternPowAlgorithm alg, guint bits, const char *resource, guint m, guint t, gint64 now,
          GCancellable *cancellable)
{
  Mint *mint = g_new0 (Mint, 1);

  mint->alg = alg;
  mint->bits = bits;
  mint->m = m ? m : POSTERN_POW_DEFAULT_ARGON2_M;
  mint->t = t ? t : POSTERN_POW_DEFAULT_ARGON2_T;
  mint->resource = g_ascii_strdown (resource ? resource : "", -1);
  /* hashcash dates have whole seconds; so do ours. */
  mint->now = now;
  mint->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  g_mutex_init (&mint->lock);
  return mint;
}

PosternPowStamp *
postern_pow_mint (PosternPowAlgorithm alg, guint bits, const char *resource, guint m, guint t,
                  gint64 now, GCancellable *cancellable, GError **error)
{
  Mint *mint = mint_new (alg, bits, resource, m, t, now, cancellable);
  PosternPowStamp *stamp = mint_run (mint, error);

  mint_clear (mint);
  g_free (mint);
  return stamp;
}

typedef struct
{
  Mint *mint;
  PosternPowProgress progress;
  gpointer progress_data;
  GSource *timer;
} MintJob;

static void
mint_job_free (MintJob *job)
{
  if (job->timer != NULL)
    {
      g_source_destroy (job->timer);
      g_source_unref (job->timer);
    }
  mint_clear (job->mint);
  g_free (job->mint);
  g_free (job);
}

static gboolean
report_progress (gpointer data)
{
  MintJob *job = data;
  job->progress ((guint64) (gsize) g_atomic_pointer_get (&job->mint->attempts), job->progress_data);
  return G_SOURCE_CONTINUE;
}

static void
mint_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  MintJob *job = data;
  GError *error = NULL;
  PosternPowStamp *stamp = mint_run (job->mint, &error);

  if (stamp == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, stamp, (GDestroyNotify) postern_pow_stamp_free);
}

/**
 * postern_pow_mint_async:
 * @progress: (nullable): called on the caller's main context about five
 *   times a second with the number of hashes tried so far
 *
 * Mints a stamp for @resource in worker threads (one per core).
 */
void
postern_pow_mint_async (PosternPowAlgorithm alg, guint bits, const char *resource,
                        GCancellable *cancellable, PosternPowProgress progress,
                        gpointer progress_data, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  MintJob *job = g_new0 (MintJob, 1);

  job->mint = mint_new (alg, bits, resource, 0, 0, g_get_real_time () / G_USEC_PER_SEC,
                        cancellable);
  job->progress = progress;
  job->progress_data = progress_data;
  if (progress != NULL)
    {
      job->timer = g_timeout_source_new (200);
      g_source_set_callback (job->timer, report_progress, job, NULL);
      g_source_attach (job->timer, g_main_context_get_thread_default ());
    }
  g_task_set_source_tag (task, postern_pow_mint_async);
  g_task_set_task_data (task, job, (GDestroyNotify) mint_job_free);
  g_task_run_in_thread (task, mint_thread);
}

PosternPowStamp *
postern_pow_mint_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* postern-ves.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The original message is cut into leaf bodies (found by GMime, which
 * leaves them on disk as substreams) and the "skeleton": every byte that
 * is not a leaf body — the header block, part headers, boundaries,
 * preambles. Decryption writes skeleton and leaves back in turn, so the
 * result is the original whatever GMime made of its structure.
 */
#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "postern-error.h"
#include "postern-gmime.h"
#include "postern-ves.h"

#define CHUNK (64 * 1024)
#define SEALED_CHUNK (CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES)
#define HEADER_LINE 76
#define MAGIC "VES1"

typedef struct
{
  goffset start;
  goffset end;
} Range;

typedef enum
{
  NODE_LEAF,
  NODE_CONTAINER,
} NodeKind;

/* The tree mirrored in the encrypted message: containers and leaves. */
typedef struct Node Node;
struct Node
{
  NodeKind kind;
  guint leaf; /* index, for a leaf */
  GPtrArray *children;
};

struct _PosternVesPlan
{
  int fd;
  goffset size;
  char *message_id;
  GArray *leaves; /* Range, in file order */
  Node *root;
  GPtrArray *clear_headers; /* "Name: value" lines copied in the clear */
};

struct _PosternVesSealed
{
  GMimeStream *stream;
  GMimeMessage *message;
  char *message_id;
  char *skeleton_b64;
  char *key_block;
  GPtrArray *parts; /* GMimePart, encrypted leaves in order */
};

static void
node_free (Node *node)
{
  if (node == NULL)
    return;
  g_clear_pointer (&node->children, g_ptr_array_unref);
  g_free (node);
}

static Node *
node_new (NodeKind kind)
{
  Node *node = g_new0 (Node, 1);

  node->kind = kind;
  if (kind == NODE_CONTAINER)
    node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);
  return node;
}

static void
init_once (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      g_mime_init ();
      if (sodium_init () < 0)
        g_error ("libsodium cannot start");
      g_once_init_leave (&done, 1);
    }
}

/* --- key schedule --------------------------------------------------- */

/* Every key is derived from the message key and the Message-ID, so a
 * part moved to another place or another message does not decrypt. */
static void
derive (const guint8 *key, const char *label, guint index, const char *message_id, guint8 *out)
{
  crypto_generichash_state state;
  guint8 index_be[4] = { index >> 24, index >> 16, index >> 8, index };

  crypto_generichash_init (&state, key, POSTERN_VES_KEY_BYTES,
                           crypto_secretstream_xchacha20poly1305_KEYBYTES);
  crypto_generichash_update (&state, (const guint8 *) label, strlen (label) + 1);
  crypto_generichash_update (&state, index_be, sizeof index_be);
  crypto_generichash_update (&state, (const guint8 *) message_id, strlen (message_id));
  crypto_generichash_final (&state, out, crypto_secretstream_xchacha20poly1305_KEYBYTES);
}

/* --- reading the original ------------------------------------------- */

static gboolean
collect (PosternVesPlan *plan, GMimeObject *object, Node *parent)
{
  if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));
      GMimeObject *body = inner ? g_mime_message_get_mime_part (inner) : NULL;
      Node *node = node_new (NODE_CONTAINER);

      g_ptr_array_add (parent->children, node);
      return body == NULL || collect (plan, body, node);
    }
  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multi = GMIME_MULTIPART (object);
      Node *node = node_new (NODE_CONTAINER);

      g_ptr_array_add (parent->children, node);
      for (int i = 0; i < g_mime_multipart_get_count (multi); i++)
        if (!collect (plan, g_mime_multipart_get_part (multi, i), node))
          return FALSE;
      return TRUE;
    }
  if (GMIME_IS_PART (object))
    {
      GMimeDataWrapper *content = g_mime_part_get_content (GMIME_PART (object));
      GMimeStream *stream = content ? g_mime_data_wrapper_get_stream (content) : NULL;
      Range range;
      Node *node;

      if (stream == NULL)
        return FALSE;
      range.start = stream->bound_start;
      range.end = stream->bound_end < 0 ? plan->size : stream->bound_end;
      /* Leaves must follow one another in the file, or the cut is not
       * one GMime and the file agree on. */
      if (range.start < 0 || range.end < range.start || range.end > plan->size)
        return FALSE;
      if (plan->leaves->len > 0
          && range.start < g_array_index (plan->leaves, Range, plan->leaves->len - 1).end)
        return FALSE;
      node = node_new (NODE_LEAF);
      node->leaf = plan->leaves->len;
      g_array_append_val (plan->leaves, range);
      g_ptr_array_add (parent->children, node);
      return TRUE;
    }
  return FALSE;
}

/* The body of a message GMime could not cut: everything after the first
 * empty line, or the whole file. */
static Range
whole_body (int fd, goffset size)
{
  guint8 buffer[8192];
  Range range = { 0, size };
  goffset offset = 0;
  int state = 0; /* bytes of "\n\n" or "\n\r\n" seen */

  while (offset < size)
    {
      ssize_t n = pread (fd, buffer, sizeof buffer, offset);
      if (n <= 0)
        break;
      for (ssize_t i = 0; i < n; i++)
        {
          guint8 c = buffer[i];
          if (c == '\n')
            {
              if (state == 1)
                {
                  range.start = offset + i + 1;
                  return range;
                }
              state = 1;
            }
          else if (c != '\r')
            state = 0;
        }
      offset += n;
    }
  return range;
}

static const char *const clear_names[]
  = { "From", "Sender", "Reply-To", "To", "Cc", "Date", "In-Reply-To", "References", NULL };

static char *
normalize_raw_value (const char *raw)
{
  GString *out = g_string_new (NULL);

  while (*raw == ' ' || *raw == '\t')
    raw++;
  for (const char *p = raw; *p; p++)
    {
      if (*p == '\r')
        continue;
      if (*p == '\n')
        {
          if (p[1] == '\0')
            break;
          g_string_append (out, "\r\n");
          continue;
        }
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static void
copy_clear_headers (PosternVesPlan *plan, GMimeMessage *message)
{
  GMimeHeaderList *list = message ? g_mime_object_get_header_list (GMIME_OBJECT (message)) : NULL;
  int count = list ? g_mime_header_list_get_count (list) : 0;

  for (int i = 0; i < count; i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (list, i);
      const char *name = g_mime_header_get_name (header);
      const char *raw = g_mime_header_get_raw_value (header);

      if (name == NULL || raw == NULL || !g_utf8_validate (raw, -1, NULL))
        continue;
      for (guint n = 0; clear_names[n] != NULL; n++)
        if (g_ascii_strcasecmp (name, clear_names[n]) == 0)
          {
            g_autofree char *value = normalize_raw_value (raw);
            g_ptr_array_add (plan->clear_headers,
                             g_strdup_printf ("%s: %s", clear_names[n], value));
          }
    }
}

static gboolean
message_id_is_safe (const char *id)
{
  if (id == NULL || *id == '\0' || strlen (id) > 500)
    return FALSE;
  for (const char *p = id; *p; p++)
    if (*p <= ' ' || *p >= 127 || *p == '<' || *p == '>')
      return FALSE;
  return TRUE;
}

/**
 * postern_ves_plan_new:
 * @fd: the message to encrypt, a seekable file; it must stay open and
 *   unchanged until the plan is freed (the plan dups it)
 *
 * Finds the parts of the message without reading their bodies into memory.
 */
PosternVesPlan *
postern_ves_plan_new (int fd, GError **error)
{
  g_autoptr (PosternVesPlan) plan = g_new0 (PosternVesPlan, 1);
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  GMimeObject *body;
  const char *id;

  init_once ();
  plan->fd = -1;
  plan->leaves = g_array_new (FALSE, FALSE, sizeof (Range));
  plan->clear_headers = g_ptr_array_new_with_free_func (g_free);
  plan->fd = dup (fd);
  if (plan->fd < 0 || (plan->size = lseek (plan->fd, 0, SEEK_END)) < 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "cannot encrypt: the message must be a file that can be read twice (%s)",
                   g_strerror (errno));
      return NULL;
    }
  /* The dup shares the file offset, which lseek left at the end. */
  stream = g_mime_stream_fs_new_with_bounds (dup (plan->fd), 0, -1);
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_persist_stream (parser, TRUE);
  message = g_mime_parser_construct_message (parser, NULL);
  body = message ? g_mime_message_get_mime_part (message) : NULL;

  plan->root = node_new (NODE_CONTAINER);
  if (body == NULL || !collect (plan, body, plan->root))
    {
      Range all = whole_body (plan->fd, plan->size);
      Node *leaf = node_new (NODE_LEAF);

      g_array_set_size (plan->leaves, 0);
      g_ptr_array_set_size (plan->root->children, 0);
      g_array_append_val (plan->leaves, all);
      g_ptr_array_add (plan->root->children, leaf);
    }
  copy_clear_headers (plan, message);
  id = message ? g_mime_message_get_message_id (message) : NULL;
  if (message_id_is_safe (id))
    plan->message_id = g_strdup (id);
  else
    {
      g_autofree char *uuid = g_uuid_string_random ();
      plan->message_id = g_strdup_printf ("ves-%s@postern.invalid", uuid);
    }
  return g_steal_pointer (&plan);
}

const char *
postern_ves_plan_get_message_id (PosternVesPlan *plan)
{
  return plan->message_id;
}

guint
postern_ves_plan_get_n_leaves (PosternVesPlan *plan)
{
  return plan->leaves->len;
}

void
postern_ves_plan_free (PosternVesPlan *plan)
{
  if (plan == NULL)
    return;
  if (plan->fd >= 0)
    close (plan->fd);
  g_free (plan->message_id);
  g_clear_pointer (&plan->leaves, g_array_unref);
  g_clear_pointer (&plan->clear_headers, g_ptr_array_unref);
  node_free (plan->root);
  g_free (plan);
}

/* --- writing the encrypted message --------------------------------- */

typedef struct
{
  GOutputStream *out;
  GCancellable *cancellable;
  guint8 pending[57]; /* base64 is written 57 bytes (76 characters) a line */
  gsize n_pending;
} Writer;

static gboolean
put (Writer *w, const char *text, GError **error)
{
  return g_output_stream_write_all (w->out, text, strlen (text), NULL, w->cancellable, error);
}

static gboolean
put_base64_line (Writer *w, const guint8 *data, gsize len, GError **error)
{
  char line[HEADER_LINE + 3];
  int state = 0;
  int save = 0;
  gsize n = g_base64_encode_step (data, len, FALSE, line, &state, &save);

  n += g_base64_encode_close (FALSE, line + n, &state, &save);
  line[n++] = '\r';
  line[n++] = '\n';
  return g_output_stream_write_all (w->out, line, n, NULL, w->cancellable, error);
}

static gboolean
put_base64 (Writer *w, const guint8 *data, gsize len, GError **error)
{
  while (len > 0)
    {
      gsize take = MIN (len, sizeof w->pending - w->n_pending);
      memcpy (w->pending + w->n_pending, data, take);
      w->n_pending += take;
      data += take;
      len -= take;
      if (w->n_pending == sizeof w->pending)
        {
          if (!put_base64_line (w, w->pending, w->n_pending, error))
            return FALSE;
          w->n_pending = 0;
        }
    }
  return TRUE;
}

static gboolean
flush_base64 (Writer *w, GError **error)
{
  gboolean ok = w->n_pending == 0 || put_base64_line (w, w->pending, w->n_pending, error);

  w->n_pending = 0;
  return ok;
}

static gboolean
read_exactly (int fd, goffset offset, guint8 *buffer, gsize len, GError **error)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = pread (fd, buffer + done, len - done, offset + (goffset) done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "cannot read the message: %s",
                       n < 0 ? g_strerror (errno) : "it shrank");
          return FALSE;
        }
      done += (gsize) n;
    }
  return TRUE;
}

static void
append_u64 (GByteArray *out, guint64 v)
{
  for (int shift = 56; shift >= 0; shift -= 8)
    {
      guint8 b = (guint8) (v >> shift);
      g_byte_array_append (out, &b, 1);
    }
}

/* MAGIC, the number of leaves, each leaf's length, then each stretch of
 * skeleton bytes (n + 1 of them) with its length. */
static GByteArray *
build_skeleton (PosternVesPlan *plan, GError **error)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  goffset at = 0;

  g_byte_array_append (out, (const guint8 *) MAGIC, 4);
  append_u64 (out, plan->leaves->len);
  for (guint i = 0; i < plan->leaves->len; i++)
    {
      Range *r = &g_array_index (plan->leaves, Range, i);
      append_u64 (out, (guint64) (r->end - r->start));
    }
  for (guint i = 0; i <= plan->leaves->len; i++)
    {
      goffset end
        = i < plan->leaves->len ? g_array_index (plan->leaves, Range, i).start : plan->size;
      gsize len = (gsize) (end - at);
      gsize old = out->len;

      append_u64 (out, len);
      g_byte_array_set_size (out, old + 8 + len);
      if (len > 0 && !read_exactly (plan->fd, at, out->data + old + 8, len, error))
        return NULL;
      if (i < plan->leaves->len)
        at = g_array_index (plan->leaves, Range, i).end;
    }
  return g_steal_pointer (&out);
}

static gboolean
write_skeleton_headers (Writer *w, PosternVesPlan *plan, const guint8 *key, GError **error)
{
  guint8 skey[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  g_autoptr (GByteArray) skeleton = build_skeleton (plan, error);
  g_autofree guint8 *sealed = NULL;
  g_autofree char *b64 = NULL;
  unsigned long long sealed_len;
  gsize b64_len;

  if (skeleton == NULL)
    return FALSE;
  derive (key, "ves1 skeleton", 0, plan->message_id, skey);
  sealed = g_malloc (crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + skeleton->len
                     + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  randombytes_buf (sealed, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  crypto_aead_xchacha20poly1305_ietf_encrypt (sealed + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                                              &sealed_len, skeleton->data, skeleton->len,
                                              (const guint8 *) plan->message_id,
                                              strlen (plan->message_id), NULL, sealed, skey);
  sodium_memzero (skey, sizeof skey);
  sodium_memzero (skeleton->data, skeleton->len);
  b64 = g_base64_encode (sealed, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + sealed_len);
  b64_len = strlen (b64);
  for (gsize at = 0; at < b64_len; at += HEADER_LINE - 14)
    {
      g_autofree char *piece = g_strndup (b64 + at, HEADER_LINE - 14);
      g_autofree char *line = g_strdup_printf ("X-Ves-Header: %s\r\n", piece);
      if (!put (w, line, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
write_leaf (Writer *w, PosternVesPlan *plan, const guint8 *key, guint index, GError **error)
{
  Range *r = &g_array_index (plan->leaves, Range, index);
  crypto_secretstream_xchacha20poly1305_state state;
  guint8 lkey[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  guint8 header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  g_autofree guint8 *plain = g_malloc (CHUNK);
  g_autofree guint8 *sealed = g_malloc (SEALED_CHUNK);
  g_autofree char *part
    = g_strdup_printf ("Content-Type: application/vnd.ves.encrypted; x-ves-part=%u\r\n"
                       "Content-Transfer-Encoding: base64\r\n"
                       "Content-Disposition: attachment; filename=\"part-%u.ves\"\r\n\r\n",
                       index, index);
  goffset at = r->start;
  gboolean ok = TRUE;

  if (!put (w, part, error))
    return FALSE;
  derive (key, "ves1 leaf", index, plan->message_id, lkey);
  crypto_secretstream_xchacha20poly1305_init_push (&state, header, lkey);
  sodium_memzero (lkey, sizeof lkey);
  if (!put_base64 (w, header, sizeof header, error))
    return FALSE;
  do
    {
      gsize len = (gsize) MIN ((goffset) CHUNK, r->end - at);
      gboolean last = at + (goffset) len >= r->end;
      unsigned long long sealed_len;

      if (g_cancellable_set_error_if_cancelled (w->cancellable, error)
          || !read_exactly (plan->fd, at, plain, len, error))
        {
          ok = FALSE;
          break;
        }
      crypto_secretstream_xchacha20poly1305_push (
        &state, sealed, &sealed_len, plain, len, NULL, 0,
        last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
      if (!put_base64 (w, sealed, sealed_len, error))
        {
          ok = FALSE;
          break;
        }
      at += (goffset) len;
    }
  while (at < r->end);
  sodium_memzero (plain, CHUNK);
  sodium_memzero (&state, sizeof state);
  return ok && flush_base64 (w, error);
}

static char *
new_boundary (void)
{
  guint8 random[12];
  g_autofree char *hex = NULL;

  randombytes_buf (random, sizeof random);
  hex = g_base64_encode (random, sizeof random);
  g_strdelimit (hex, "+/=", '.');
  return g_strdup_printf ("ves-%s", hex);
}

static gboolean
write_node (Writer *w, PosternVesPlan *plan, const guint8 *key, Node *node, GError **error)
{
  g_autofree char *boundary = NULL;
  g_autofree char *header = NULL;

  if (node->kind == NODE_LEAF)
    return write_leaf (w, plan, key, node->leaf, error);
  boundary = new_boundary ();
  header = g_strdup_printf ("Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", boundary);
  if (!put (w, header, error))
    return FALSE;
  for (guint i = 0; i < node->children->len; i++)
    {
      g_autofree char *open = g_strdup_printf ("--%s\r\n", boundary);
      if (!put (w, open, error) || !write_node (w, plan, key, node->children->pdata[i], error)
          || !put (w, "\r\n", error))
        return FALSE;
    }
  {
    g_autofree char *close = g_strdup_printf ("--%s--\r\n", boundary);
    return put (w, close, error);
  }
}

static const char banner_text[]
  = "This message is encrypted end to end with VES.\r\n"
    "\r\n"
    "Its subject, its text and its attachments can be read only by its\r\n"
    "recipients, in a mail program that speaks VES (such as Postern), with the\r\n"
    "key the sender shared with them. The attached .ves parts are the\r\n"
    "encrypted message; they are no use to anyone else.\r\n";

static const char banner_html[]
  = "<html><body><p><b>This message is encrypted end to end with VES.</b></p>\r\n"
    "<p>Its subject, its text and its attachments can be read only by its recipients, in a\r\n"
    "mail program that speaks VES (such as Postern), with the key the sender shared with\r\n"
    "them. The attached <tt>.ves</tt> parts are the encrypted message; they are no use to\r\n"
    "anyone else.</p></body></html>\r\n";

static gboolean
write_banner (Writer *w, GError **error)
{
  g_autofree char *boundary = new_boundary ();
  g_autofree char *text
    = g_strdup_printf ("Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
                       "--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n%s\r\n"
                       "--%s\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n%s\r\n"
                       "--%s--\r\n",
                       boundary, boundary, banner_text, boundary, banner_html, boundary);

  return put (w, text, error);
}

static gboolean
write_key_block (Writer *w, const char *key_block, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (key_block, "\n", -1);

  if (!put (w,
            "Content-Type: application/vnd.ves.key\r\n"
            "Content-Disposition: attachment; filename=\"key.ves\"\r\n\r\n",
            error))
    return FALSE;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strchomp (lines[i]);
      if (lines[i + 1] == NULL && lines[i][0] == '\0')
        break;
      if (!put (w, lines[i], error) || !put (w, "\r\n", error))
        return FALSE;
    }
  return TRUE;
}

/**
 * postern_ves_plan_write:
 * @key: the message key, %POSTERN_VES_KEY_BYTES random bytes
 * @key_block: (nullable): the message key wrapped to the recipients
 *   (ASCII-armored OpenPGP), carried in the message
 * @out: where the encrypted message goes, with CRLF line ends
 */
gboolean
postern_ves_plan_write (PosternVesPlan *plan, const guint8 *key, const char *key_block,
                        GOutputStream *out, GCancellable *cancellable, GError **error)
{
  /* Base64 goes out a line at a time: buffer it, not one write per line. */
  g_autoptr (GOutputStream) buffered = g_buffered_output_stream_new_sized (out, 256 * 1024);
  Writer w = { buffered, cancellable, { 0 }, 0 };
  g_autofree char *boundary = new_boundary ();
  g_autofree char *top = NULL;

  g_return_val_if_fail (plan != NULL && key != NULL, FALSE);
  for (guint i = 0; i < plan->clear_headers->len; i++)
    if (!put (&w, plan->clear_headers->pdata[i], error) || !put (&w, "\r\n", error))
      return FALSE;
  top = g_strdup_printf ("Subject: Encrypted message\r\n"
                         "Message-ID: <%s>\r\n"
                         "MIME-Version: 1.0\r\n"
                         "X-Ves-Version: 1\r\n",
                         plan->message_id);
  if (!put (&w, top, error) || !write_skeleton_headers (&w, plan, key, error))
    return FALSE;
  g_free (top);
  top = g_strdup_printf ("Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
                         "This is an encrypted message (VES).\r\n"
                         "--%s\r\n",
                         boundary, boundary);
  if (!put (&w, top, error) || !write_banner (&w, error))
    return FALSE;
  if (key_block != NULL)
    {
      g_autofree char *sep = g_strdup_printf ("\r\n--%s\r\n", boundary);
      if (!put (&w, sep, error) || !write_key_block (&w, key_block, error))
        return FALSE;
    }
  {
    g_autofree char *sep = g_strdup_printf ("\r\n--%s\r\n", boundary);
    g_autofree char *close = g_strdup_printf ("\r\n--%s--\r\n", boundary);
    Node *tree = plan->root->children->len == 1 ? plan->root->children->pdata[0] : plan->root;

    return put (&w, sep, error) && write_node (&w, plan, key, tree, error) && put (&w, close, error)
           && g_output_stream_flush (out, cancellable, error);
  }
}

/* --- reading an encrypted message ----------------------------------- */

static void
find_parts (PosternVesSealed *sealed, GMimeObject *object)
{
  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multi = GMIME_MULTIPART (object);
      for (int i = 0; i < g_mime_multipart_get_count (multi); i++)
        find_parts (sealed, g_mime_multipart_get_part (multi, i));
      return;
    }
  if (!GMIME_IS_PART (object))
    return;
  if (g_mime_content_type_is_type (g_mime_object_get_content_type (object), "application",
                                   "vnd.ves.encrypted"))
    g_ptr_array_add (sealed->parts, g_object_ref (object));
  else if (sealed->key_block == NULL
           && g_mime_content_type_is_type (g_mime_object_get_content_type (object), "application",
                                           "vnd.ves.key"))
    {
      GMimeDataWrapper *content = g_mime_part_get_content (GMIME_PART (object));
      g_autoptr (GMimeStream) mem = g_mime_stream_mem_new ();
      GByteArray *array;

      if (content != NULL && g_mime_data_wrapper_write_to_stream (content, mem) >= 0)
        {
          array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
          sealed->key_block = g_strndup ((const char *) array->data, array->len);
        }
    }
}

/**
 * postern_ves_is_sealed:
 *
 * Returns: whether @message is a VES-encrypted message (by its header)
 */
gboolean
postern_ves_is_sealed (GBytes *message)
{
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  const char *end = data + len;

  /* Header names are at line starts, before the first empty line. */
  for (const char *line = data; line != NULL && line < end;)
    {
      const char *nl = memchr (line, '\n', (gsize) (end - line));
      gsize n = (gsize) ((nl ? nl : end) - line);
      if (n == 0 || (n == 1 && line[0] == '\r'))
        return FALSE;
      if (n >= 14 && g_ascii_strncasecmp (line, "X-Ves-Version:", 14) == 0)
        return TRUE;
      line = nl ? nl + 1 : NULL;
    }
  return FALSE;
}

/**
 * postern_ves_sealed_open:
 * @fd: an encrypted message, a seekable file (dup'ed)
 */
PosternVesSealed *
postern_ves_sealed_open (int fd, GError **error)
{
  g_autoptr (PosternVesSealed) sealed = g_new0 (PosternVesSealed, 1);
  g_autoptr (GMimeParser) parser = NULL;
  g_autoptr (GString) skeleton = g_string_new (NULL);
  GMimeHeaderList *list;
  const char *version;
  const char *id;
  int copy;

  init_once ();
  sealed->parts = g_ptr_array_new_with_free_func (g_object_unref);
  copy = dup (fd);
  if (copy < 0 || lseek (copy, 0, SEEK_SET) < 0)
    {
      if (copy >= 0)
        close (copy);
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "cannot decrypt: the message must be a file that can be read twice");
      return NULL;
    }
  sealed->stream = g_mime_stream_fs_new_with_bounds (copy, 0, -1);
  parser = g_mime_parser_new_with_stream (sealed->stream);
  g_mime_parser_set_persist_stream (parser, TRUE);
  sealed->message = g_mime_parser_construct_message (parser, NULL);
  version = sealed->message
              ? g_mime_object_get_header (GMIME_OBJECT (sealed->message), "X-Ves-Version")
              : NULL;
  if (version == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "not a VES-encrypted message (no X-Ves-Version header)");
      return NULL;
    }
  {
    g_autofree char *v = g_strstrip (g_strdup (version));
    if (!g_str_equal (v, "1"))
      {
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                     "VES version %s is not supported (only 1)", v);
        return NULL;
      }
  }
  id = g_mime_message_get_message_id (sealed->message);
  if (!message_id_is_safe (id))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "the encrypted message has no usable Message-ID, which its keys depend on");
      return NULL;
    }
  sealed->message_id = g_strdup (id);
  list = g_mime_object_get_header_list (GMIME_OBJECT (sealed->message));
  for (int i = 0; i < g_mime_header_list_get_count (list); i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (list, i);
      if (g_ascii_strcasecmp (g_mime_header_get_name (header), "X-Ves-Header") == 0)
        for (const char *p = g_mime_header_get_value (header); p && *p; p++)
          if (!g_ascii_isspace (*p))
            g_string_append_c (skeleton, *p);
    }
  if (skeleton->len == 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "the encrypted message has no X-Ves-Header fields");
      return NULL;
    }
  sealed->skeleton_b64 = g_string_free (g_steal_pointer (&skeleton), FALSE);
  if (g_mime_message_get_mime_part (sealed->message) != NULL)
    find_parts (sealed, g_mime_message_get_mime_part (sealed->message));
  return g_steal_pointer (&sealed);
}

const char *
postern_ves_sealed_get_message_id (PosternVesSealed *sealed)
{
  return sealed->message_id;
}

/**
 * postern_ves_sealed_get_key_block:
 *
 * Returns: (nullable): the wrapped message key the message carries
 */
const char *
postern_ves_sealed_get_key_block (PosternVesSealed *sealed)
{
  return sealed->key_block;
}

void
postern_ves_sealed_free (PosternVesSealed *sealed)
{
  if (sealed == NULL)
    return;
  g_clear_pointer (&sealed->parts, g_ptr_array_unref);
  g_clear_object (&sealed->message);
  g_clear_object (&sealed->stream);
  g_free (sealed->message_id);
  g_free (sealed->skeleton_b64);
  g_free (sealed->key_block);
  g_free (sealed);
}

static gboolean
tampered (GError **error, const char *what)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
               "cannot decrypt: %s (the message was changed, or the key is not its key)", what);
  return FALSE;
}

static guint64
read_u64 (const guint8 *p)
{
  guint64 v = 0;

  for (int i = 0; i < 8; i++)
    v = (v << 8) | p[i];
  return v;
}

/* Reads up to @len decoded bytes; fewer only at the end of the part. */
static gssize
read_full (GMimeStream *stream, guint8 *buffer, gsize len)
{
  gsize done = 0;

  while (done < len)
    {
      gssize n = g_mime_stream_read (stream, (char *) buffer + done, len - done);
      /* A substream read past its end says -1, not 0. */
      if (n < 0 && g_mime_stream_eos (stream))
        break;
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      done += (gsize) n;
    }
  return (gssize) done;
}

static gboolean
decrypt_leaf (PosternVesSealed *sealed, const guint8 *key, guint index, guint64 expected,
              GOutputStream *out, GCancellable *cancellable, GError **error)
{
  GMimePart *part = sealed->parts->pdata[index];
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  g_autoptr (GMimeStream) decoded = NULL;
  g_autoptr (GMimeFilter) base64 = NULL;
  crypto_secretstream_xchacha20poly1305_state state;
  guint8 lkey[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  guint8 header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  g_autofree guint8 *chunk = g_malloc (SEALED_CHUNK);
  g_autofree guint8 *plain = g_malloc (CHUNK);
  guint64 total = 0;
  guint8 tag = 0;
  g_autofree char *what = g_strdup_printf ("part %u", index);
  const char *param = g_mime_content_type_get_parameter (
    g_mime_object_get_content_type (GMIME_OBJECT (part)), "x-ves-part");
  GMimeStream *raw;

  if (param == NULL || g_ascii_strtoull (param, NULL, 10) != index || content == NULL
      || (raw = g_mime_data_wrapper_get_stream (content)) == NULL)
    return tampered (error, "the encrypted parts are out of order");
  g_mime_stream_reset (raw);
  decoded = g_mime_stream_filter_new (raw);
  base64 = g_mime_filter_basic_new (GMIME_CONTENT_ENCODING_BASE64, FALSE);
  g_mime_stream_filter_add (GMIME_STREAM_FILTER (decoded), base64);
  if (read_full (decoded, header, sizeof header) != sizeof header)
    return tampered (error, what);
  derive (key, "ves1 leaf", index, sealed->message_id, lkey);
  if (crypto_secretstream_xchacha20poly1305_init_pull (&state, header, lkey) != 0)
    {
      sodium_memzero (lkey, sizeof lkey);
      return tampered (error, what);
    }
  sodium_memzero (lkey, sizeof lkey);
  while (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)
    {
      gssize n = read_full (decoded, chunk, SEALED_CHUNK);
      unsigned long long plain_len;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (n <= 0
          || crypto_secretstream_xchacha20poly1305_pull (&state, plain, &plain_len, &tag, chunk,
                                                         (unsigned long long) n, NULL, 0)
               != 0)
        return tampered (error, what);
      /* A chunk short of full size must be the last one. */
      if (n < SEALED_CHUNK && tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)
        return tampered (error, what);
      total += plain_len;
      if (!g_output_stream_write_all (out, plain, plain_len, NULL, cancellable, error))
        return FALSE;
    }
  sodium_memzero (plain, CHUNK);
  if (read_full (decoded, chunk, 1) != 0 || total != expected)
    return tampered (error, what);
  return TRUE;
}

static gboolean
decrypt_into (PosternVesSealed *sealed, const guint8 *key, GOutputStream *out,
              GCancellable *cancellable, GError **error)
{
  guint8 skey[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  gsize sealed_len = 0;
  g_autofree guint8 *blob = g_base64_decode (sealed->skeleton_b64, &sealed_len);
  g_autofree guint8 *skeleton = NULL;
  unsigned long long len = 0;
  const guint8 *p;
  const guint8 *end;
  guint64 n_leaves;
  const guint8 *lengths;
  int rc;

  if (sealed_len
      < crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
    return tampered (error, "the encrypted headers are cut short");
  skeleton = g_malloc (sealed_len);
  derive (key, "ves1 skeleton", 0, sealed->message_id, skey);
  rc = crypto_aead_xchacha20poly1305_ietf_decrypt (
    skeleton, &len, NULL, blob + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
    sealed_len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, (const guint8 *) sealed->message_id,
    strlen (sealed->message_id), blob, skey);
  sodium_memzero (skey, sizeof skey);
  if (rc != 0)
    return tampered (error, "the encrypted headers do not open");
  p = skeleton;
  end = skeleton + len;
  /* Authenticated, so well-formed unless the sender's program is broken;
   * still checked, as anything read. */
  if (len < 12 || memcmp (p, MAGIC, 4) != 0)
    return tampered (error, "the encrypted headers are not VES 1");
  n_leaves = read_u64 (p + 4);
  p += 12;
  if (n_leaves != sealed->parts->len || n_leaves > (guint64) (end - p) / 8)
    return tampered (error, "parts are missing or were added");
  lengths = p;
  p += n_leaves * 8;
  for (guint64 i = 0; i <= n_leaves; i++)
    {
      guint64 glue;

      if ((gsize) (end - p) < 8 || (glue = read_u64 (p)) > (guint64) (end - p) - 8)
        return tampered (error, "the encrypted headers are cut short");
      p += 8;
      if (!g_output_stream_write_all (out, p, glue, NULL, cancellable, error))
        return FALSE;
      p += glue;
      if (i < n_leaves
          && !decrypt_leaf (sealed, key, (guint) i, read_u64 (lengths + i * 8), out, cancellable,
                            error))
        return FALSE;
    }
  sodium_memzero (skeleton, len);
  return TRUE;
}

/**
 * postern_ves_sealed_decrypt:
 * @key: the message key
 * @out: receives the original message, and nothing at all unless every
 *   part decrypted and checked out
 *
 * The plaintext is first written to an unlinked temporary file, then
 * copied to @out once all of it is authentic: a tampered message yields an
 * error and no partial plaintext, in constant memory.
 */
gboolean
postern_ves_sealed_decrypt (PosternVesSealed *sealed, const guint8 *key, GOutputStream *out,
                            GCancellable *cancellable, GError **error)
{
  g_autoptr (GFile) tmp = NULL;
  g_autoptr (GFileIOStream) io = NULL;
  GOutputStream *spool;
  GInputStream *back;

  g_return_val_if_fail (sealed != NULL && key != NULL, FALSE);
  if ((tmp = g_file_new_tmp ("postern-ves-XXXXXX", &io, error)) == NULL)
    return FALSE;
  g_file_delete (tmp, NULL, NULL);
  spool = g_io_stream_get_output_stream (G_IO_STREAM (io));
  if (!decrypt_into (sealed, key, spool, cancellable, error)
      || !g_output_stream_flush (spool, cancellable, error)
      || !g_seekable_seek (G_SEEKABLE (io), 0, G_SEEK_SET, cancellable, error))
    return FALSE;
  back = g_io_stream_get_input_stream (G_IO_STREAM (io));
  return g_output_stream_splice (out, back, G_OUTPUT_STREAM_SPLICE_NONE, cancellable, error) >= 0
         && g_output_stream_flush (out, cancellable, error);
}

/* postern-imap-parser.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A pure parser for what an IMAP4rev1 server sends (RFC 3501, with the
 * response codes of UIDPLUS, RFC 4315, and CONDSTORE, RFC 7162). It reads a
 * buffer, never the network: given the bytes received so far it returns one
 * complete response, or says how many bytes there must be at least before
 * one can be complete, or fails on input that is not IMAP. It never
 * allocates more than the bytes it was given, and it refuses literals,
 * lines and responses over fixed limits, so a hostile server cannot make the
 * client that buffers for it allocate without bound.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The largest literal (a message body, mostly) a client accepts, and the
 * longest line outside literals: a SEARCH result over a very large mailbox
 * is the longest one a client asks for. Fuzzing builds (tests/fuzz) lower
 * both so that inputs of the size a fuzzer tries reach the checks. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define POSTERN_IMAP_MAX_LITERAL (4096u)
#define POSTERN_IMAP_MAX_LINE (1024u)
#else
#define POSTERN_IMAP_MAX_LITERAL (256u * 1024 * 1024)
#define POSTERN_IMAP_MAX_LINE (16u * 1024 * 1024)
#endif
/* One response, its lines and literals together. */
#define POSTERN_IMAP_MAX_RESPONSE (POSTERN_IMAP_MAX_LITERAL + 4 * POSTERN_IMAP_MAX_LINE)
/* Parenthesized lists nest no deeper (BODYSTRUCTURE is the deepest). */
#define POSTERN_IMAP_MAX_DEPTH 64

#define POSTERN_IMAP_ERROR (postern_imap_error_quark ())

/**
 * PosternImapError:
 * @POSTERN_IMAP_ERROR_SYNTAX: the server sent something that is not IMAP
 * @POSTERN_IMAP_ERROR_TOO_BIG: a literal, line or response over the limits
 * @POSTERN_IMAP_ERROR_AUTH: the server refused the user name or password
 * @POSTERN_IMAP_ERROR_NO_TLS: the server offers no TLS and the account does
 *   not allow talking without it
 * @POSTERN_IMAP_ERROR_REFUSED: the server answered a command with NO or BAD
 * @POSTERN_IMAP_ERROR_BYE: the server closed the session
 * @POSTERN_IMAP_ERROR_NOT_SUPPORTED: the server lacks something needed
 *
 * Errors of the IMAP parser and client.
 */
typedef enum
{
  POSTERN_IMAP_ERROR_SYNTAX,
  POSTERN_IMAP_ERROR_TOO_BIG,
  POSTERN_IMAP_ERROR_AUTH,
  POSTERN_IMAP_ERROR_NO_TLS,
  POSTERN_IMAP_ERROR_REFUSED,
  POSTERN_IMAP_ERROR_BYE,
  POSTERN_IMAP_ERROR_NOT_SUPPORTED,
} PosternImapError;

GQuark postern_imap_error_quark (void);

/**
 * PosternImapValueType:
 * @POSTERN_IMAP_ATOM: an atom or a number, a flag such as `\Seen`, or a
 *   fetch item name such as `BODY[]<0>`
 * @POSTERN_IMAP_STRING: a quoted string or a literal (which may hold NULs)
 * @POSTERN_IMAP_LIST: a parenthesized list
 * @POSTERN_IMAP_NIL: NIL
 */
typedef enum
{
  POSTERN_IMAP_ATOM,
  POSTERN_IMAP_STRING,
  POSTERN_IMAP_LIST,
  POSTERN_IMAP_NIL,
} PosternImapValueType;

typedef struct _PosternImapValue PosternImapValue;

struct _PosternImapValue
{
  PosternImapValueType type;
  char *atom;      /* ATOM */
  GBytes *string;  /* STRING */
  GPtrArray *list; /* LIST: element-type PosternImapValue */
};

void postern_imap_value_free (PosternImapValue *value);
gboolean postern_imap_value_is_atom (const PosternImapValue *value, const char *name);
gboolean postern_imap_value_get_number (const PosternImapValue *value, guint64 *out_number);
char *postern_imap_value_dup_string (const PosternImapValue *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternImapValue, postern_imap_value_free)

typedef enum
{
  POSTERN_IMAP_RESPONSE_TAGGED,
  POSTERN_IMAP_RESPONSE_UNTAGGED,
  POSTERN_IMAP_RESPONSE_CONTINUATION,
} PosternImapResponseKind;

typedef enum
{
  POSTERN_IMAP_STATUS_NONE, /* a data response or a continuation */
  POSTERN_IMAP_STATUS_OK,
  POSTERN_IMAP_STATUS_NO,
  POSTERN_IMAP_STATUS_BAD,
  POSTERN_IMAP_STATUS_PREAUTH,
  POSTERN_IMAP_STATUS_BYE,
} PosternImapStatus;

/**
 * PosternImapResponse:
 * @kind: tagged, untagged or a continuation request
 * @tag: the tag of a tagged response
 * @status: OK, NO, BAD, PREAUTH or BYE for status responses
 * @has_number: whether a number preceded the name (`* 12 EXISTS`)
 * @number: that number
 * @name: the response's name in upper case: the status ("OK"), or the
 *   data ("CAPABILITY", "FETCH", "EXISTS", "LIST"…); %NULL for a
 *   continuation
 * @code: the response code's name in upper case (`[UIDVALIDITY 5]` gives
 *   "UIDVALIDITY"), or %NULL
 * @code_args: the values after the code's name; an unknown code's text is
 *   one STRING
 * @text: the human-readable text of a status response or continuation
 * @args: the values of a data response after its name
 */
typedef struct
{
  PosternImapResponseKind kind;
  char *tag;
  PosternImapStatus status;
  gboolean has_number;
  guint32 number;
  char *name;
  char *code;
  GPtrArray *code_args;
  char *text;
  GPtrArray *args;
} PosternImapResponse;

void postern_imap_response_free (PosternImapResponse *response);
gboolean postern_imap_response_get_code_number (const PosternImapResponse *response,
                                                const char *code, guint64 *out_number);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternImapResponse, postern_imap_response_free)

typedef enum
{
  POSTERN_IMAP_PARSE_OK,
  POSTERN_IMAP_PARSE_INCOMPLETE,
  POSTERN_IMAP_PARSE_ERROR,
} PosternImapParseResult;

PosternImapParseResult postern_imap_parse_response (const guint8 *data, gsize len,
                                                    PosternImapResponse **out_response,
                                                    gsize *out_consumed, gsize *out_needed,
                                                    GError **error);

/**
 * PosternImapFetch:
 * @seq: the message sequence number
 * @uid: the UID, 0 when the response had none
 * @flags: (nullable): the flags, %NULL when FLAGS was not in the response
 * @has_modseq: whether MODSEQ was there
 * @modseq: the message's mod-sequence (CONDSTORE)
 * @has_size: whether RFC822.SIZE was there
 * @size: the message's size as the server counts it
 * @body: (nullable): the whole message (`BODY[]` or `RFC822`), %NULL when
 *   absent or NIL
 *
 * The items of one FETCH response that a mail client syncs with.
 */
typedef struct
{
  guint32 seq;
  guint32 uid;
  char **flags;
  gboolean has_modseq;
  guint64 modseq;
  gboolean has_size;
  guint64 size;
  GBytes *body;
} PosternImapFetch;

PosternImapFetch *postern_imap_fetch_parse (const PosternImapResponse *response, GError **error);
void postern_imap_fetch_free (PosternImapFetch *fetch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternImapFetch, postern_imap_fetch_free)

char *postern_imap_mailbox_decode (const char *name);

G_END_DECLS

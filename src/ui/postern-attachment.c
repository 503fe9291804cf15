/* postern-attachment.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "postern-attachment.h"

struct _PosternAttachment
{
  GObject parent_instance;
  char *filename;
  char *content_type;
  GBytes *bytes;
};

G_DEFINE_FINAL_TYPE (PosternAttachment, postern_attachment, G_TYPE_OBJECT)

static void
postern_attachment_finalize (GObject *object)
{
  PosternAttachment *self = POSTERN_ATTACHMENT (object);

  g_clear_pointer (&self->filename, g_free);
  g_clear_pointer (&self->content_type, g_free);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  G_OBJECT_CLASS (postern_attachment_parent_class)->finalize (object);
}

static void
postern_attachment_class_init (PosternAttachmentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_attachment_finalize;
}

static void
postern_attachment_init (PosternAttachment *self)
{
}

/* A name from a message is only a suggestion: no folders, no dot files. */
static char *
safe_filename (const char *filename)
{
  g_autofree char *base = NULL;

  if (filename == NULL || *filename == '\0')
    return g_strdup ("attachment");
  base = g_path_get_basename (filename);
  g_strdelimit (base, "/\\:", '_');
  while (base[0] == '.')
    base[0] = '_';
  if (!g_utf8_validate (base, -1, NULL))
    return g_utf8_make_valid (base, -1);
  return g_steal_pointer (&base);
}

PosternAttachment *
postern_attachment_new (const char *filename, const char *content_type, GBytes *bytes)
{
  PosternAttachment *self = g_object_new (POSTERN_TYPE_ATTACHMENT, NULL);

  self->filename = safe_filename (filename);
  self->content_type = g_strdup (content_type ? content_type : "application/octet-stream");
  self->bytes = bytes ? g_bytes_ref (bytes) : g_bytes_new (NULL, 0);
  return self;
}

const char *
postern_attachment_get_filename (PosternAttachment *self)
{
  g_return_val_if_fail (POSTERN_IS_ATTACHMENT (self), NULL);
  return self->filename;
}

const char *
postern_attachment_get_content_type (PosternAttachment *self)
{
  g_return_val_if_fail (POSTERN_IS_ATTACHMENT (self), NULL);
  return self->content_type;
}

GBytes *
postern_attachment_get_bytes (PosternAttachment *self)
{
  g_return_val_if_fail (POSTERN_IS_ATTACHMENT (self), NULL);
  return self->bytes;
}

gsize
postern_attachment_get_size (PosternAttachment *self)
{
  g_return_val_if_fail (POSTERN_IS_ATTACHMENT (self), 0);
  return g_bytes_get_size (self->bytes);
}

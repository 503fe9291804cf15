/* postern-qr-dialog.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "postern-file-chooser.h"
#include "postern-qr-dialog.h"

struct _PosternQrDialog
{
  AdwWindow parent_instance;
  PosternSession *session;
  PosternKeyring *keyring;
  PosternCard *card;              /* the user's own, once made */
  PosternCardImport *last_import; /* the card taken in last, while its key is missing */
  GCancellable *cancellable;

  AdwToastOverlay *toast_overlay;
  GtkDrawingArea *card_area;
  GtkLabel *own_label;
  AdwEntryRow *text_row;
  GtkLabel *result_label;
  GtkWidget *locate_button;
};

G_DEFINE_FINAL_TYPE (PosternQrDialog, postern_qr_dialog, ADW_TYPE_WINDOW)

enum
{
  CARD_IMPORTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
toast (PosternQrDialog *self, const char *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static void
draw_card (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  PosternQrDialog *self = data;
  double scale;

  if (self->card == NULL)
    return;
  /* The card keeps its 85 × 55 proportions, centred. */
  scale = MIN (width / POSTERN_CARD_WIDTH_PT, height / POSTERN_CARD_HEIGHT_PT);
  cairo_translate (cr, (width - POSTERN_CARD_WIDTH_PT * scale) / 2,
                   (height - POSTERN_CARD_HEIGHT_PT * scale) / 2);
  postern_card_draw (self->card, POSTERN_CARD_FORM_VCARD, cr, POSTERN_CARD_WIDTH_PT * scale,
                     POSTERN_CARD_HEIGHT_PT * scale, NULL);
}

static void
update_actions (PosternQrDialog *self)
{
  gboolean have = self->card != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "qr.export", have);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "qr.print", have);
}

static void
own_card_made (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PosternQrDialog) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternCard) card
    = postern_card_new_own_finish (POSTERN_KEYRING (source), result, &error);
  g_autofree char *addresses = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (card == NULL)
    {
      g_autofree char *text = g_strdup_printf (
        _ ("No card to show: %s. Generate a key of your own in the keyring first."),
        error->message);
      gtk_label_set_label (self->own_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->card_area), FALSE);
      return;
    }
  g_set_object (&self->card, card);
  addresses = g_strjoinv ("\n", (char **) postern_card_get_addresses (card));
  gtk_label_set_label (self->own_label, addresses);
  gtk_widget_queue_draw (GTK_WIDGET (self->card_area));
  update_actions (self);
}

/* Exporting */

typedef struct
{
  PosternQrDialog *self;
  PosternCardImage image;
} Export;

static void
exported (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PosternQrDialog) self = data;
  g_autoptr (GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    toast (self, error->message);
  else
    toast (self, _ ("Card saved"));
}

static void
export_to (GFile *file, gpointer data)
{
  g_autofree Export *export = data;
  g_autoptr (PosternQrDialog) self = export->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;

  if (file == NULL || self->card == NULL)
    return;
  bytes = postern_card_render (self->card, POSTERN_CARD_FORM_VCARD, export->image, &error);
  if (bytes == NULL)
    {
      toast (self, error->message);
      return;
    }
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       self->cancellable, exported, g_object_ref (self));
}

static void
export_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternQrDialog *self = POSTERN_QR_DIALOG (widget);
  const char *format = g_variant_get_string (parameter, NULL);
  Export *export = g_new0 (Export, 1);
  g_autofree char *name = NULL;

  export->self = g_object_ref (self);
  if (g_str_equal (format, "svg"))
    export->image = POSTERN_CARD_IMAGE_SVG;
  else if (g_str_equal (format, "pdf"))
    export->image = POSTERN_CARD_IMAGE_PDF;
  else
    export->image = POSTERN_CARD_IMAGE_PNG;
  name = g_strdup_printf ("contact-card.%s", format);
  postern_file_chooser_save (GTK_WINDOW (self), _ ("Save Contact Card"), name, export_to, export);
}

/* Printing: the card at its real size, top left of the page. */

static void
draw_page (GtkPrintOperation *operation, GtkPrintContext *context, int page, gpointer data)
{
  PosternQrDialog *self = data;

  postern_card_draw (self->card, POSTERN_CARD_FORM_VCARD,
                     gtk_print_context_get_cairo_context (context), POSTERN_CARD_WIDTH_PT,
                     POSTERN_CARD_HEIGHT_PT, NULL);
}

static void
print_done (GtkPrintOperation *operation, GtkPrintOperationResult result, gpointer data)
{
  PosternQrDialog *self = data;
  g_autoptr (GError) error = NULL;

  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      gtk_print_operation_get_error (operation, &error);
      toast (self, error ? error->message : _ ("Printing failed"));
    }
}

static void
print_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternQrDialog *self = POSTERN_QR_DIALOG (widget);
  g_autoptr (GtkPrintOperation) operation = gtk_print_operation_new ();
  g_autoptr (GError) error = NULL;

  gtk_print_operation_set_n_pages (operation, 1);
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_job_name (operation, _ ("Contact Card"));
  gtk_print_operation_set_allow_async (operation, TRUE);
  g_signal_connect_object (operation, "draw-page", G_CALLBACK (draw_page), self, 0);
  g_signal_connect_object (operation, "done", G_CALLBACK (print_done), self, 0);
  if (gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG,
                               GTK_WINDOW (self), &error)
        == GTK_PRINT_OPERATION_RESULT_ERROR
      && error != NULL)
    toast (self, error->message);
}

/* Taking in a card */

typedef struct
{
  GBytes *data;
  char *source;
} ScanJob;

typedef struct
{
  PosternCard *card;
  PosternCardImport *import;
} ScanResult;

static void
scan_job_free (ScanJob *job)
{
  g_bytes_unref (job->data);
  g_free (job->source);
  g_free (job);
}

static void
scan_result_free (ScanResult *result)
{
  g_clear_object (&result->card);
  g_clear_pointer (&result->import, postern_card_import_free);
  g_free (result);
}

/* Decoding a photo takes a while: off the main loop, with the pins. */
static void
scan_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ScanJob *job = task_data;
  GError *error = NULL;
  ScanResult *result = g_new0 (ScanResult, 1);

  result->card = postern_card_read (job->data, &error);
  if (result->card != NULL)
    result->import
      = postern_card_import_sync (source, result->card, job->source, cancellable, &error);
  if (result->import == NULL)
    {
      scan_result_free (result);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, result, (GDestroyNotify) scan_result_free);
}

static void
show_result (PosternQrDialog *self, const char *text)
{
  gtk_label_set_label (self->result_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->result_label), TRUE);
}

static char *
describe_import (ScanResult *result)
{
  GString *text = g_string_new (NULL);
  const char *name = postern_card_get_name (result->card);
  PosternCardImport *import = result->import;

  if (import->verified[0] != NULL)
    {
      g_autofree char *list = g_strjoinv (", ", import->verified);
      g_string_append_printf (text, _ ("%s: key verified for %s."),
                              name ? name : import->verified[0], list);
    }
  if (import->conflicts[0] != NULL)
    {
      g_autofree char *list = g_strjoinv (", ", import->conflicts);
      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append_printf (text,
                              _ ("Another key is pinned for %s: choose between them under "
                                 "Key Conflicts in the keyring."),
                              list);
    }
  if (!import->have_key)
    g_string_append_printf (text, " %s",
                            _ ("The key itself has not arrived yet; it is taken when it does."));
  return g_string_free (text, FALSE);
}

static void
scanned (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr (PosternQrDialog) self = data;
  g_autoptr (GError) error = NULL;
  ScanResult *result = g_task_propagate_pointer (G_TASK (res), &error);
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (result == NULL)
    {
      g_autofree char *message = g_strdup_printf (_ ("Not imported: %s"), error->message);
      show_result (self, message);
      return;
    }
  text = describe_import (result);
  show_result (self, text);
  g_clear_pointer (&self->last_import, postern_card_import_free);
  if (!result->import->have_key)
    self->last_import = g_steal_pointer (&result->import);
  gtk_widget_set_visible (self->locate_button, self->last_import != NULL);
  scan_result_free (result);
  g_signal_emit (self, signals[CARD_IMPORTED], 0);
}

/* Looking the key up, when the user asks */

typedef struct
{
  PosternProfile *profile;
  PosternCardImport *import;
} LocateJob;

static void
locate_job_free (LocateJob *job)
{
  g_clear_object (&job->profile);
  g_clear_pointer (&job->import, postern_card_import_free);
  g_free (job);
}

static void
locate_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  LocateJob *job = task_data;
  GError *error = NULL;
  g_autoptr (PosternKeyLocator) locator
    = postern_key_locator_new_for_profile (job->profile, source, &error);

  if (locator == NULL
      || !postern_card_import_locate_sync (job->import, locator, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
located (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PosternQrDialog) self = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  gtk_widget_set_sensitive (self->locate_button, TRUE);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = g_strdup_printf (_ ("The key was not found: %s"), error->message);
      show_result (self, text);
      return;
    }
  show_result (self, _ ("The key was found and taken: the card's addresses now use it."));
  g_clear_pointer (&self->last_import, postern_card_import_free);
  gtk_widget_set_visible (self->locate_button, FALSE);
  g_signal_emit (self, signals[CARD_IMPORTED], 0);
}

static void
locate_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternQrDialog *self = POSTERN_QR_DIALOG (widget);
  g_autoptr (GTask) task = NULL;
  LocateJob *job;

  if (self->last_import == NULL)
    return;
  task = g_task_new (self->keyring, self->cancellable, located, g_object_ref (self));
  job = g_new0 (LocateJob, 1);
  job->profile = g_object_ref (postern_session_get_profile (self->session));
  job->import = g_new0 (PosternCardImport, 1);
  job->import->fingerprint = g_strdup (self->last_import->fingerprint);
  job->import->verified = g_strdupv (self->last_import->verified);
  job->import->conflicts = g_strdupv (self->last_import->conflicts);
  g_task_set_task_data (task, job, (GDestroyNotify) locate_job_free);
  gtk_widget_set_sensitive (self->locate_button, FALSE);
  show_result (self, _ ("Looking up the key…"));
  g_task_run_in_thread (task, locate_thread);
}

static void
scan_bytes (PosternQrDialog *self, GBytes *data, const char *source)
{
  g_autoptr (GTask) task
    = g_task_new (self->keyring, self->cancellable, scanned, g_object_ref (self));
  ScanJob *job = g_new0 (ScanJob, 1);

  job->data = g_bytes_ref (data);
  job->source = g_strdup (source);
  g_task_set_task_data (task, job, (GDestroyNotify) scan_job_free);
  g_clear_pointer (&self->last_import, postern_card_import_free);
  gtk_widget_set_visible (self->locate_button, FALSE);
  show_result (self, _ ("Reading the card…"));
  g_task_run_in_thread (task, scan_thread);
}

static void
file_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PosternQrDialog) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_file_load_bytes_finish (G_FILE (source), result, NULL, &error);
  g_autofree char *name = NULL;
  g_autofree char *where = NULL;

  if (bytes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_result (self, error->message);
      return;
    }
  name = g_file_get_basename (G_FILE (source));
  where = g_strdup_printf ("card scanned from %s", name);
  scan_bytes (self, bytes, where);
}

static void
scan_file (PosternQrDialog *self, GFile *file)
{
  g_file_load_bytes_async (file, self->cancellable, file_loaded, g_object_ref (self));
}

static void
scan_file_chosen (GFile *file, gpointer data)
{
  g_autoptr (PosternQrDialog) self = data;

  if (file != NULL)
    scan_file (self, file);
}

static void
scan_file_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternQrDialog *self = POSTERN_QR_DIALOG (widget);

  postern_file_chooser_open (GTK_WINDOW (self), _ ("Scan a Contact Card"), scan_file_chosen,
                             g_object_ref (self));
}

static void
scan_text (PosternQrDialog *self, const char *text, const char *source)
{
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));

  scan_bytes (self, bytes, source);
}

static void
import_text_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternQrDialog *self = POSTERN_QR_DIALOG (widget);

  scan_text (self, gtk_editable_get_text (GTK_EDITABLE (self->text_row)), "card pasted as text");
}

static void
text_activated (PosternQrDialog *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "qr.import-text", NULL);
}

static void
clipboard_text_read (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PosternQrDialog) self = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);

  if (text == NULL)
    {
      show_result (self, _ ("The clipboard holds neither an image nor text."));
      return;
    }
  scan_text (self, text, "card pasted from the clipboard");
}

static void
clipboard_texture_read (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PosternQrDialog) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) texture
    = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);
  g_autoptr (GBytes) png = NULL;

  if (texture == NULL)
    {
      show_result (self, error->message);
      return;
    }
  png = gdk_texture_save_to_png_bytes (texture);
  scan_bytes (self, png, "card pasted from the clipboard");
}

static void
paste_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternQrDialog *self = POSTERN_QR_DIALOG (widget);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (widget);
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE))
    gdk_clipboard_read_texture_async (clipboard, self->cancellable, clipboard_texture_read,
                                      g_object_ref (self));
  else
    gdk_clipboard_read_text_async (clipboard, self->cancellable, clipboard_text_read,
                                   g_object_ref (self));
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, gpointer data)
{
  PosternQrDialog *self = data;

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = g_value_get_boxed (value);
      if (files == NULL)
        return FALSE;
      scan_file (self, files->data);
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      scan_file (self, g_value_get_object (value));
      return TRUE;
    }
  if (G_VALUE_HOLDS_STRING (value) && g_value_get_string (value) != NULL)
    {
      scan_text (self, g_value_get_string (value), "card dropped as text");
      return TRUE;
    }
  return FALSE;
}

static void
postern_qr_dialog_dispose (GObject *object)
{
  PosternQrDialog *self = POSTERN_QR_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->card);
  g_clear_pointer (&self->last_import, postern_card_import_free);
  g_clear_object (&self->keyring);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (postern_qr_dialog_parent_class)->dispose (object);
}

static void
postern_qr_dialog_class_init (PosternQrDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = postern_qr_dialog_dispose;

  /**
   * PosternQrDialog::card-imported:
   *
   * Someone's card was taken in: pins or conflicts changed.
   */
  signals[CARD_IMPORTED] = g_signal_new ("card-imported", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/postern/Postern/ui/postern-qr-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PosternQrDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PosternQrDialog, card_area);
  gtk_widget_class_bind_template_child (widget_class, PosternQrDialog, own_label);
  gtk_widget_class_bind_template_child (widget_class, PosternQrDialog, text_row);
  gtk_widget_class_bind_template_child (widget_class, PosternQrDialog, result_label);
  gtk_widget_class_bind_template_child (widget_class, PosternQrDialog, locate_button);
  gtk_widget_class_bind_template_callback (widget_class, text_activated);
  gtk_widget_class_install_action (widget_class, "qr.export", "s", export_action);
  gtk_widget_class_install_action (widget_class, "qr.print", NULL, print_action);
  gtk_widget_class_install_action (widget_class, "qr.scan-file", NULL, scan_file_action);
  gtk_widget_class_install_action (widget_class, "qr.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "qr.import-text", NULL, import_text_action);
  gtk_widget_class_install_action (widget_class, "qr.locate", NULL, locate_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "qr.paste", NULL);
}

static void
postern_qr_dialog_init (PosternQrDialog *self)
{
  GtkDropTarget *drop;
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE, G_TYPE_STRING };

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  gtk_drawing_area_set_draw_func (self->card_area, draw_card, self, NULL);
  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, types, G_N_ELEMENTS (types));
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  update_actions (self);
}

/**
 * postern_qr_dialog_new:
 * @session: the open profile, whose card is shown and whose pins take the
 *   cards scanned
 */
PosternQrDialog *
postern_qr_dialog_new (GtkWindow *parent, PosternSession *session)
{
  PosternQrDialog *self = g_object_new (POSTERN_TYPE_QR_DIALOG, "transient-for", parent, NULL);
  PosternProfile *profile = postern_session_get_profile (session);

  self->session = g_object_ref (session);
  self->keyring = postern_keyring_new_for_profile (profile);
  gtk_label_set_label (self->own_label, _ ("Making your card…"));
  postern_card_new_own_async (profile, self->keyring, NULL, self->cancellable, own_card_made,
                              g_object_ref (self));
  return self;
}

/* postern-keyring-window.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "postern-file-chooser.h"
#include "postern-keyring-window.h"
#include "postern-qr-dialog.h"

struct _PosternKeyringWindow
{
  AdwWindow parent_instance;
  PosternSession *session;
  PosternKeyring *keyring;
  GCancellable *cancellable;
  GPtrArray *rows; /* the rows of the last listing, each with its group */

  AdwToastOverlay *toast_overlay;
  AdwPreferencesGroup *conflicts_group;
  AdwPreferencesGroup *own_group;
  AdwPreferencesGroup *contacts_group;
  AdwEntryRow *generate_row;
  GtkLabel *status_label;
};

G_DEFINE_FINAL_TYPE (PosternKeyringWindow, postern_keyring_window, ADW_TYPE_WINDOW)

/* What one look at the keyring and its pins found. */
typedef struct
{
  GPtrArray *keys;      /* PosternKeyInfo */
  GPtrArray *pins;      /* PosternPin */
  GPtrArray *conflicts; /* PosternKeyConflict */
} Snapshot;

static void
snapshot_free (Snapshot *snapshot)
{
  g_clear_pointer (&snapshot->keys, g_ptr_array_unref);
  g_clear_pointer (&snapshot->pins, g_ptr_array_unref);
  g_clear_pointer (&snapshot->conflicts, g_ptr_array_unref);
  g_free (snapshot);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Snapshot, snapshot_free)

static void
toast (PosternKeyringWindow *self, const char *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static void
show_error (PosternKeyringWindow *self, const GError *error)
{
  gtk_label_set_label (self->status_label, error->message);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
}

static void
snapshot_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  PosternKeyring *keyring = source;
  PosternTrust *trust = postern_keyring_get_trust (keyring);
  g_autoptr (Snapshot) snapshot = g_new0 (Snapshot, 1);
  GError *error = NULL;

  if ((snapshot->keys = postern_keyring_list_sync (keyring, NULL, cancellable, &error)) == NULL
      || (snapshot->pins = postern_trust_list_pins (trust, &error)) == NULL
      || (snapshot->conflicts = postern_trust_list_conflicts (trust, NULL, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&snapshot), (GDestroyNotify) snapshot_free);
}

/* "0123 4567 …", as the card shows it. */
static char *
group_fingerprint (const char *fpr)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; fpr[i] != '\0'; i++)
    {
      if (i > 0 && i % 4 == 0)
        g_string_append_c (out, ' ');
      g_string_append_c (out, fpr[i]);
    }
  return g_string_free (out, FALSE);
}

static void
label_widget (GtkWidget *widget, const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static AdwActionRow *
add_row (PosternKeyringWindow *self, AdwPreferencesGroup *group, const char *title,
         const char *subtitle)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (row, subtitle);
  adw_preferences_group_add (group, GTK_WIDGET (row));
  g_object_set_data (G_OBJECT (row), "group", group);
  g_ptr_array_add (self->rows, row);
  return row;
}

static void
add_state (AdwActionRow *row, const char *state)
{
  GtkWidget *label = gtk_label_new (state);

  gtk_widget_add_css_class (label, "dim-label");
  adw_action_row_add_suffix (row, label);
}

static GtkWidget *
add_button (AdwActionRow *row, const char *label, const char *accessible, const char *action,
            GVariant *target)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  label_widget (button, accessible);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), target);
  adw_action_row_add_suffix (row, button);
  return button;
}

static const char *
trust_state (GPtrArray *pins, const char *fpr)
{
  PosternTrustLevel level = POSTERN_TRUST_NONE;

  for (guint i = 0; i < pins->len; i++)
    {
      PosternPin *pin = pins->pdata[i];
      if (g_str_equal (pin->fingerprint, fpr))
        level = MAX (level, pin->level);
    }
  switch (level)
    {
      case POSTERN_TRUST_VERIFIED:
        return _ ("Verified");
      case POSTERN_TRUST_PINNED:
        return _ ("Pinned on first use");
      case POSTERN_TRUST_NONE:
      default:
        return _ ("Not pinned");
    }
}

static const char *
validity_state (PosternKeyInfo *key)
{
  switch (key->validity)
    {
      case POSTERN_KEY_EXPIRED:
        return _ ("Expired");
      case POSTERN_KEY_REVOKED:
        return _ ("Revoked");
      case POSTERN_KEY_DISABLED:
        return _ ("Disabled");
      case POSTERN_KEY_INVALID:
        return _ ("Unusable");
      case POSTERN_KEY_VALID:
      default:
        return NULL;
    }
}

static void
add_key_row (PosternKeyringWindow *self, PosternKeyInfo *key, GPtrArray *pins)
{
  AdwPreferencesGroup *group = key->secret ? self->own_group : self->contacts_group;
  g_autofree char *grouped = group_fingerprint (key->fingerprint);
  /* The first user ID is the title; the others follow the fingerprint. */
  g_autofree char *others = key->uids[0] ? g_strjoinv ("\n", key->uids + 1) : g_strdup ("");
  const char *title = key->uids[0] ? key->uids[0] : key->fingerprint;
  g_autofree char *subtitle = g_strdup_printf ("%s%s%s", grouped, *others ? "\n" : "", others);
  AdwActionRow *row = add_row (self, group, title, subtitle);
  const char *validity = validity_state (key);
  g_autofree char *export_label = g_strdup_printf (_ ("Export the key of %s"), title);

  add_state (row, validity ? validity : trust_state (pins, key->fingerprint));
  add_button (row, _ ("Export…"), export_label, "keys.export",
              g_variant_new_string (key->fingerprint));
}

/* A pin whose key has not arrived: a card was scanned, the key will come. */
static void
add_waiting_pin (PosternKeyringWindow *self, PosternPin *pin)
{
  g_autofree char *grouped = group_fingerprint (pin->fingerprint);
  AdwActionRow *row = add_row (self, self->contacts_group, pin->address, grouped);

  add_state (row, pin->level == POSTERN_TRUST_VERIFIED ? _ ("Verified, key not received yet")
                                                       : _ ("Pinned, key not received yet"));
}

static void
add_conflict_row (PosternKeyringWindow *self, PosternKeyConflict *conflict)
{
  g_autofree char *pinned = group_fingerprint (conflict->pinned_fingerprint);
  g_autofree char *other = group_fingerprint (conflict->fingerprint);
  g_autofree char *subtitle
    = g_strdup_printf (_ ("Pinned: %s\nNew: %s (%s%s)"), pinned, other, conflict->source,
                       conflict->verified ? _ (", from a card you scanned") : "");
  AdwActionRow *row = add_row (self, self->conflicts_group, conflict->address, subtitle);
  g_autofree char *keep = g_strdup_printf (_ ("Keep the pinned key for %s"), conflict->address);
  g_autofree char *replace = g_strdup_printf (_ ("Use the new key for %s"), conflict->address);

  add_button (row, _ ("Keep"), keep, "keys.keep",
              g_variant_new ("(ss)", conflict->address, conflict->fingerprint));
  gtk_widget_add_css_class (
    add_button (row, _ ("Replace"), replace, "keys.replace",
                g_variant_new ("(ss)", conflict->address, conflict->fingerprint)),
    "destructive-action");
}

static gboolean
key_listed (GPtrArray *keys, const char *fpr)
{
  for (guint i = 0; i < keys->len; i++)
    if (g_str_equal (((PosternKeyInfo *) keys->pdata[i])->fingerprint, fpr))
      return TRUE;
  return FALSE;
}

static void
clear_rows (PosternKeyringWindow *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      GtkWidget *row = self->rows->pdata[i];
      adw_preferences_group_remove (g_object_get_data (G_OBJECT (row), "group"), row);
    }
  g_ptr_array_set_size (self->rows, 0);
}

static void
snapshot_taken (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PosternKeyringWindow) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (Snapshot) snapshot = g_task_propagate_pointer (G_TASK (result), &error);
  gboolean any_own = FALSE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  clear_rows (self);
  if (snapshot == NULL)
    {
      show_error (self, error);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
  for (guint i = 0; i < snapshot->conflicts->len; i++)
    add_conflict_row (self, snapshot->conflicts->pdata[i]);
  gtk_widget_set_visible (GTK_WIDGET (self->conflicts_group), snapshot->conflicts->len > 0);
  for (guint i = 0; i < snapshot->keys->len; i++)
    {
      PosternKeyInfo *key = snapshot->keys->pdata[i];
      add_key_row (self, key, snapshot->pins);
      any_own |= key->secret;
    }
  for (guint i = 0; i < snapshot->pins->len; i++)
    {
      PosternPin *pin = snapshot->pins->pdata[i];
      if (!key_listed (snapshot->keys, pin->fingerprint))
        add_waiting_pin (self, pin);
    }
  adw_preferences_group_set_description (
    self->own_group, any_own ? NULL : _ ("You have no key yet: generate one below."));
}

/**
 * postern_keyring_window_reload:
 *
 * Lists the keys, pins and conflicts again, as they are on disk now.
 */
void
postern_keyring_window_reload (PosternKeyringWindow *self)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (POSTERN_IS_KEYRING_WINDOW (self));
  task = g_task_new (self->keyring, self->cancellable, snapshot_taken, g_object_ref (self));
  g_task_run_in_thread (task, snapshot_thread);
}

/* Conflicts */

static void
resolved (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PosternKeyringWindow) self = data;
  g_autoptr (GError) error = NULL;

  if (!postern_keyring_resolve_conflict_finish (POSTERN_KEYRING (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      return;
    }
  postern_keyring_window_reload (self);
}

static void
resolve (PosternKeyringWindow *self, GVariant *parameter, gboolean replace)
{
  const char *address, *fingerprint;

  g_variant_get (parameter, "(&s&s)", &address, &fingerprint);
  postern_keyring_resolve_conflict_async (self->keyring, address, fingerprint, replace,
                                          self->cancellable, resolved, g_object_ref (self));
}

static void
keep_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  resolve (POSTERN_KEYRING_WINDOW (widget), parameter, FALSE);
}

static void
replace_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  resolve (POSTERN_KEYRING_WINDOW (widget), parameter, TRUE);
}

/* Generating */

static void
generated (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PosternKeyringWindow) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternKeyInfo) key
    = postern_keyring_generate_finish (POSTERN_KEYRING (source), result, &error);

  gtk_widget_set_sensitive (GTK_WIDGET (self->generate_row), TRUE);
  if (key == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->generate_row), "");
  toast (self, _ ("Key generated"));
  postern_keyring_window_reload (self);
}

static void
generate_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternKeyringWindow *self = POSTERN_KEYRING_WINDOW (widget);
  const char *address = gtk_editable_get_text (GTK_EDITABLE (self->generate_row));
  const char *addresses[] = { address, NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *normalized = postern_keyring_normalize_address (address, &error);

  if (normalized == NULL)
    {
      show_error (self, error);
      return;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->generate_row), FALSE);
  postern_keyring_generate_async (self->keyring, addresses, self->cancellable, generated,
                                  g_object_ref (self));
}

static void
generate_activated (PosternKeyringWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "keys.generate", NULL);
}

/* Importing */

static char *
describe_imports (GPtrArray *imports)
{
  g_autoptr (GString) conflicts = g_string_new (NULL);
  guint taken = 0;

  for (guint i = 0; i < imports->len; i++)
    {
      PosternKeyImport *import = imports->pdata[i];
      if (import->status != POSTERN_KEY_IMPORT_CONFLICT
          && import->status != POSTERN_KEY_IMPORT_REJECTED)
        taken++;
      for (guint j = 0; import->conflicts[j] != NULL; j++)
        g_string_append_printf (conflicts, "%s%s", conflicts->len ? ", " : "",
                                import->conflicts[j]);
    }
  if (conflicts->len > 0)
    return g_strdup_printf (_ ("Another key is pinned for %s: see Key Conflicts"), conflicts->str);
  return g_strdup_printf (ngettext ("%u key imported", "%u keys imported", taken), taken);
}

static void
imported (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PosternKeyringWindow) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) imports
    = postern_keyring_import_finish (POSTERN_KEYRING (source), result, &error);
  g_autofree char *text = NULL;

  if (imports == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }
  text = describe_imports (imports);
  toast (self, text);
  postern_keyring_window_reload (self);
}

static void
import_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PosternKeyringWindow) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_file_load_bytes_finish (G_FILE (source), result, NULL, &error);
  g_autofree char *name = NULL;
  g_autofree char *where = NULL;

  if (bytes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }
  name = g_file_get_basename (G_FILE (source));
  where = g_strdup_printf ("import of %s", name);
  postern_keyring_import_async (self->keyring, bytes, where, NULL, self->cancellable, imported,
                                g_object_ref (self));
}

static void
import_chosen (GFile *file, gpointer data)
{
  g_autoptr (PosternKeyringWindow) self = data;

  if (file != NULL)
    g_file_load_bytes_async (file, self->cancellable, import_loaded, g_object_ref (self));
}

static void
import_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  postern_file_chooser_open (GTK_WINDOW (widget), _ ("Import Keys"), import_chosen,
                             g_object_ref (widget));
}

/* Exporting */

typedef struct
{
  PosternKeyringWindow *self;
  char *fingerprint;
  GFile *file;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_clear_object (&job->self);
  g_free (job->fingerprint);
  g_clear_object (&job->file);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExportJob, export_job_free)

static void
saved (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PosternKeyringWindow) self = data;
  g_autoptr (GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    show_error (self, error);
  else
    toast (self, _ ("Key exported"));
}

static void
exported (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (ExportJob) job = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) key = postern_keyring_export_finish (POSTERN_KEYRING (source), result, &error);

  if (key == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (job->self, error);
      return;
    }
  g_file_replace_contents_bytes_async (job->file, key, NULL, FALSE,
                                       G_FILE_CREATE_REPLACE_DESTINATION, job->self->cancellable,
                                       saved, g_object_ref (job->self));
}

static void
export_chosen (GFile *file, gpointer data)
{
  g_autoptr (ExportJob) job = data;

  if (file == NULL)
    return;
  job->file = g_object_ref (file);
  postern_keyring_export_async (job->self->keyring, job->fingerprint, POSTERN_KEY_EXPORT_DEFAULT,
                                job->self->cancellable, exported, g_steal_pointer (&job));
}

static void
export_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  ExportJob *job = g_new0 (ExportJob, 1);
  g_autofree char *name = NULL;

  job->self = g_object_ref (POSTERN_KEYRING_WINDOW (widget));
  job->fingerprint = g_variant_dup_string (parameter, NULL);
  name = g_strdup_printf ("%s.asc", job->fingerprint);
  postern_file_chooser_save (GTK_WINDOW (widget), _ ("Export Key"), name, export_chosen, job);
}

/* The card dialog */

static void
card_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternKeyringWindow *self = POSTERN_KEYRING_WINDOW (widget);
  PosternQrDialog *dialog = postern_qr_dialog_new (GTK_WINDOW (self), self->session);

  g_signal_connect_object (dialog, "card-imported", G_CALLBACK (postern_keyring_window_reload),
                           self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
postern_keyring_window_dispose (GObject *object)
{
  PosternKeyringWindow *self = POSTERN_KEYRING_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_object (&self->keyring);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (postern_keyring_window_parent_class)->dispose (object);
}

static void
postern_keyring_window_class_init (PosternKeyringWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = postern_keyring_window_dispose;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/postern/Postern/ui/postern-keyring-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PosternKeyringWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PosternKeyringWindow, conflicts_group);
  gtk_widget_class_bind_template_child (widget_class, PosternKeyringWindow, own_group);
  gtk_widget_class_bind_template_child (widget_class, PosternKeyringWindow, contacts_group);
  gtk_widget_class_bind_template_child (widget_class, PosternKeyringWindow, generate_row);
  gtk_widget_class_bind_template_child (widget_class, PosternKeyringWindow, status_label);
  gtk_widget_class_bind_template_callback (widget_class, generate_activated);
  gtk_widget_class_install_action (widget_class, "keys.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "keys.export", "s", export_action);
  gtk_widget_class_install_action (widget_class, "keys.generate", NULL, generate_action);
  gtk_widget_class_install_action (widget_class, "keys.keep", "(ss)", keep_action);
  gtk_widget_class_install_action (widget_class, "keys.replace", "(ss)", replace_action);
  gtk_widget_class_install_action (widget_class, "keys.card", NULL, card_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
postern_keyring_window_init (PosternKeyringWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->rows = g_ptr_array_new ();
}

/**
 * postern_keyring_window_new:
 * @session: the open profile, whose keyring and pins are shown
 */
PosternKeyringWindow *
postern_keyring_window_new (GtkWindow *parent, PosternSession *session)
{
  PosternKeyringWindow *self
    = g_object_new (POSTERN_TYPE_KEYRING_WINDOW, "transient-for", parent, NULL);

  self->session = g_object_ref (session);
  self->keyring = postern_keyring_new_for_profile (postern_session_get_profile (session));
  postern_keyring_window_reload (self);
  return self;
}

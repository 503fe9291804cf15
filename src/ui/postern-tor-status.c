/* postern-tor-status.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "postern-tor-status.h"

struct _PosternTorStatus
{
  GtkWidget parent_instance;
  PosternOnionService *service;

  GtkLabel *title_label;
  GtkProgressBar *progress_bar;
  GtkLabel *detail_label;
  GtkWidget *address_box;
  GtkLabel *address_label;
  GtkButton *copy_button;
};

G_DEFINE_FINAL_TYPE (PosternTorStatus, postern_tor_status, GTK_TYPE_WIDGET)

static void
update (PosternTorStatus *self)
{
  PosternOnionServiceState state = self->service ? postern_onion_service_get_state (self->service)
                                                 : POSTERN_ONION_SERVICE_STOPPED;
  const char *summary = NULL;
  guint percent;
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self), state != POSTERN_ONION_SERVICE_STOPPED);
  if (state == POSTERN_ONION_SERVICE_STOPPED)
    return;
  percent = postern_onion_service_get_progress (self->service, &summary);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), state == POSTERN_ONION_SERVICE_STARTING);
  gtk_widget_set_visible (self->address_box, state == POSTERN_ONION_SERVICE_READY);
  gtk_widget_set_visible (GTK_WIDGET (self->detail_label),
                          state == POSTERN_ONION_SERVICE_FAILED
                            || state == POSTERN_ONION_SERVICE_STARTING);
  switch (state)
    {
      case POSTERN_ONION_SERVICE_STARTING:
        gtk_label_set_label (self->title_label, _ ("Connecting to Tor"));
        gtk_progress_bar_set_fraction (self->progress_bar, percent / 100.0);
        text = g_strdup_printf (_ ("%u%%"), percent);
        gtk_progress_bar_set_text (self->progress_bar, text);
        /* At 100% tor is ready; what is left is publishing the service. */
        gtk_label_set_label (self->detail_label, percent < 100
                                                   ? (summary ? summary : "")
                                                   : _ ("Publishing your onion service…"));
        break;
      case POSTERN_ONION_SERVICE_READY:
        gtk_label_set_label (self->title_label, _ ("Your onion address"));
        gtk_label_set_label (self->address_label,
                             postern_onion_service_get_address (self->service));
        gtk_widget_set_tooltip_text (GTK_WIDGET (self->address_label),
                                     postern_onion_service_get_address (self->service));
        break;
      case POSTERN_ONION_SERVICE_FAILED:
      default:
        gtk_label_set_label (self->title_label, _ ("Tor is not available"));
        gtk_label_set_label (self->detail_label, postern_onion_service_get_error (self->service));
        break;
    }
}

static void
copy_address (PosternTorStatus *self)
{
  const char *address = self->service ? postern_onion_service_get_address (self->service) : NULL;

  if (address != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), address);
}

static void
postern_tor_status_dispose (GObject *object)
{
  PosternTorStatus *self = POSTERN_TOR_STATUS (object);

  if (self->service != NULL)
    g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  gtk_widget_dispose_template (GTK_WIDGET (object), POSTERN_TYPE_TOR_STATUS);
  G_OBJECT_CLASS (postern_tor_status_parent_class)->dispose (object);
}

static void
postern_tor_status_class_init (PosternTorStatusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = postern_tor_status_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/postern/Postern/ui/"
                                                             "postern-tor-status.ui");
  gtk_widget_class_bind_template_child (widget_class, PosternTorStatus, title_label);
  gtk_widget_class_bind_template_child (widget_class, PosternTorStatus, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, PosternTorStatus, detail_label);
  gtk_widget_class_bind_template_child (widget_class, PosternTorStatus, address_box);
  gtk_widget_class_bind_template_child (widget_class, PosternTorStatus, address_label);
  gtk_widget_class_bind_template_child (widget_class, PosternTorStatus, copy_button);
  gtk_widget_class_bind_template_callback (widget_class, copy_address);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "postern-tor-status");
}

static void
postern_tor_status_init (PosternTorStatus *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

GtkWidget *
postern_tor_status_new (void)
{
  return g_object_new (POSTERN_TYPE_TOR_STATUS, NULL);
}

/**
 * postern_tor_status_set_service:
 * @service: (nullable): the profile's SMTorP side, or %NULL to hide
 */
void
postern_tor_status_set_service (PosternTorStatus *self, PosternOnionService *service)
{
  g_return_if_fail (POSTERN_IS_TOR_STATUS (self));
  if (self->service != NULL)
    g_signal_handlers_disconnect_by_data (self->service, self);
  g_set_object (&self->service, service);
  if (service != NULL)
    g_signal_connect_swapped (service, "changed", G_CALLBACK (update), self);
  update (self);
}

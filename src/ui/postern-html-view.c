/* postern-html-view.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#ifdef POSTERN_HAVE_WEBKIT
#include <webkit/webkit.h>
#endif

#include "postern-core.h"
#include "postern-html-view.h"

struct _PosternHtmlView
{
  GtkBox parent_instance;
  GtkWidget *remote_bar;
  GtkToggleButton *as_text_button;
  GtkFrame *frame;
#ifdef POSTERN_HAVE_WEBKIT
  WebKitWebView *web_view;
#endif
  char *html;
  gboolean remote_allowed;
};

G_DEFINE_FINAL_TYPE (PosternHtmlView, postern_html_view, GTK_TYPE_BOX)

enum
{
  PROP_0,
  PROP_AS_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The policy is the first thing the document holds, so it governs every
 * element after it: no script, no frame, no form target, no connection;
 * only inline styles and images carried in the message itself (data: and
 * cid:), unless the user asked for remote content. Even then scripts,
 * frames and connections stay off. */
#define POLICY_BLOCKED                                                        \
  "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline' data:; " \
  "font-src data:; form-action 'none'; base-uri 'none'"
#define POLICY_REMOTE                                                           \
  "default-src 'none'; img-src data: cid: http: https:; "                       \
  "style-src 'unsafe-inline' data: http: https:; font-src data: http: https:; " \
  "media-src http: https:; form-action 'none'; base-uri 'none'"

/**
 * postern_html_view_build_document:
 * @html: the HTML body as the message carries it
 * @allow_remote: whether images, styles, fonts and media may come from the network
 *
 * Returns: @html behind a content security policy
 */
char *
postern_html_view_build_document (const char *html, gboolean allow_remote)
{
  return g_strconcat ("<meta http-equiv=\"Content-Security-Policy\" content=\"",
                      allow_remote ? POLICY_REMOTE : POLICY_BLOCKED, "\">\n",
                      "<meta name=\"color-scheme\" content=\"light\">\n", html ? html : "", NULL);
}

/**
 * postern_html_view_is_supported:
 *
 * Returns: whether HTML is rendered; without WebKitGTK, or with
 *   `POSTERN_HTML=text` in the environment, the reader shows HTML mail as text
 */
gboolean
postern_html_view_is_supported (void)
{
#ifdef POSTERN_HAVE_WEBKIT
  return g_strcmp0 (g_getenv ("POSTERN_HTML"), "text") != 0;
#else
  return FALSE;
#endif
}

#ifdef POSTERN_HAVE_WEBKIT
static gboolean
is_openable_outside (const char *uri)
{
  g_autofree char *scheme = uri ? g_uri_parse_scheme (uri) : NULL;

  return scheme != NULL
         && (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0
             || g_ascii_strcasecmp (scheme, "mailto") == 0);
}

/* The reader never navigates: the document is the message. A clicked
 * link opens in the user's browser (or composer, for mailto:); every other
 * navigation — a refresh header, a form — is refused. */
static gboolean
decide_policy (WebKitWebView *view, WebKitPolicyDecision *decision, WebKitPolicyDecisionType type,
               gpointer user_data)
{
  PosternHtmlView *self = user_data;
  WebKitNavigationAction *action;
  WebKitURIRequest *request;
  const char *uri;

  if (type == WEBKIT_POLICY_DECISION_TYPE_RESPONSE)
    return FALSE;
  action = webkit_navigation_policy_decision_get_navigation_action (
    WEBKIT_NAVIGATION_POLICY_DECISION (decision));
  request = webkit_navigation_action_get_request (action);
  uri = webkit_uri_request_get_uri (request);
  if (type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION
      && webkit_navigation_action_get_navigation_type (action) == WEBKIT_NAVIGATION_TYPE_OTHER
      && g_strcmp0 (uri, "about:blank") == 0)
    return FALSE;
  webkit_policy_decision_ignore (decision);
  if (webkit_navigation_action_is_user_gesture (action) && is_openable_outside (uri))
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
      G_GNUC_END_IGNORE_DEPRECATIONS
    }
  return TRUE;
}

static WebKitNetworkSession *
shared_session (void)
{
  static WebKitNetworkSession *session;

  /* Nothing of what a message loads (cookies, cache) outlives the app. */
  if (session == NULL)
    session = webkit_network_session_new_ephemeral ();
  return session;
}

static WebKitWebView *
create_web_view (PosternHtmlView *self)
{
  g_autoptr (WebKitSettings) settings = webkit_settings_new ();
  WebKitWebView *view;

  webkit_settings_set_enable_javascript (settings, FALSE);
  webkit_settings_set_enable_javascript_markup (settings, FALSE);
  webkit_settings_set_javascript_can_open_windows_automatically (settings, FALSE);
  webkit_settings_set_enable_html5_database (settings, FALSE);
  webkit_settings_set_enable_html5_local_storage (settings, FALSE);
  webkit_settings_set_enable_page_cache (settings, FALSE);
  webkit_settings_set_enable_webgl (settings, FALSE);
  webkit_settings_set_enable_webaudio (settings, FALSE);
  webkit_settings_set_enable_developer_extras (settings, FALSE);
  webkit_settings_set_hardware_acceleration_policy (settings,
                                                    WEBKIT_HARDWARE_ACCELERATION_POLICY_NEVER);
  view = g_object_new (WEBKIT_TYPE_WEB_VIEW, "settings", settings, "network-session",
                       shared_session (), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("HTML message"), -1);
  g_signal_connect_object (view, "decide-policy", G_CALLBACK (decide_policy), self, 0);
  return view;
}
#endif

static void
render (PosternHtmlView *self)
{
#ifdef POSTERN_HAVE_WEBKIT
  g_autofree char *document = postern_html_view_build_document (self->html, self->remote_allowed);

  if (self->web_view == NULL)
    {
      self->web_view = create_web_view (self);
      gtk_frame_set_child (self->frame, GTK_WIDGET (self->web_view));
    }
  webkit_web_view_load_html (self->web_view, document, "about:blank");
#endif
}

static void
load_remote_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternHtmlView *self = POSTERN_HTML_VIEW (widget);

  self->remote_allowed = TRUE;
  gtk_widget_set_visible (self->remote_bar, FALSE);
  render (self);
}

/**
 * postern_html_view_set_html:
 * @html: the HTML body of a message; remote content stays blocked until
 *   the user loads it for this message
 */
void
postern_html_view_set_html (PosternHtmlView *self, const char *html)
{
  g_return_if_fail (POSTERN_IS_HTML_VIEW (self));

  g_free (self->html);
  self->html = g_strdup (html ? html : "");
  self->remote_allowed = FALSE;
  gtk_toggle_button_set_active (self->as_text_button, FALSE);
  gtk_widget_set_visible (self->remote_bar,
                          postern_html_has_remote_content (self->html, strlen (self->html)));
  render (self);
}

gboolean
postern_html_view_get_as_text (PosternHtmlView *self)
{
  g_return_val_if_fail (POSTERN_IS_HTML_VIEW (self), FALSE);
  return gtk_toggle_button_get_active (self->as_text_button);
}

static void
as_text_toggled (PosternHtmlView *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->frame), !postern_html_view_get_as_text (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AS_TEXT]);
}

static void
postern_html_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PosternHtmlView *self = POSTERN_HTML_VIEW (object);

  switch (prop_id)
    {
      case PROP_AS_TEXT:
        g_value_set_boolean (value, postern_html_view_get_as_text (self));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
postern_html_view_finalize (GObject *object)
{
  PosternHtmlView *self = POSTERN_HTML_VIEW (object);

  g_free (self->html);
  G_OBJECT_CLASS (postern_html_view_parent_class)->finalize (object);
}

static void
postern_html_view_class_init (PosternHtmlViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = postern_html_view_get_property;
  object_class->finalize = postern_html_view_finalize;

  /**
   * PosternHtmlView:as-text:
   *
   * Whether the user chose to read the message as plain text.
   */
  properties[PROP_AS_TEXT] = g_param_spec_boolean ("as-text", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "html.load-remote", NULL, load_remote_action);
  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/postern/Postern/ui/postern-html-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PosternHtmlView, remote_bar);
  gtk_widget_class_bind_template_child (widget_class, PosternHtmlView, as_text_button);
  gtk_widget_class_bind_template_child (widget_class, PosternHtmlView, frame);
}

static void
postern_html_view_init (PosternHtmlView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->as_text_button, "toggled", G_CALLBACK (as_text_toggled), self);
}

//! The `AWS::Lambda::Permission` SAM writes for every function `Api` and `HttpApi` event, whether or
//! not the event becomes a route (an event on an API with its own `DefinitionBody` still gets one):
//! they let API Gateway invoke the function for the routes they cover, as a written permission does.
//!
//! - `Api` (samtranslator/model/eventsources/push.py:805-835, `Api._get_permission`): source ARN
//!   `{api}/*/{METHOD}{path}`, `ANY` written `*`, a trailing slash dropped and every `{param}` or
//!   `{greedy+}` written `*` (swagger.py:1264-1266).
//! - `HttpApi` (push.py:1402-1452, `HttpApi._get_permission`): the same with open_api.py:571-572's
//!   substitution (`{param}` and `{proxy+}` only), `$default` written as no path (`{api}/*/*` for the
//!   catch-all), and no permission at all when the API's document already sends `$default` to this
//!   function (push.py:1418-1423).
//!
//! The function named is the function, or its `AutoPublishAlias` alias (sam_resources.py:1045-1046).

use crate::load::{Entry, Node};
use crate::model::apigw::openapi;
use crate::model::permissions::LambdaPermission;
use crate::model::sam::{IMPLICIT_HTTP_API, IMPLICIT_REST_API, globals};
use crate::resolve::{Resolver, StackId, Value};
use crate::template::{Resource, Template};

/// Every permission SAM writes for the `Api`/`HttpApi` events of one template's functions.
pub fn event_permissions(
    r: &Resolver<'_>,
    stack: StackId,
    template: &Template,
) -> Vec<LambdaPermission> {
    let mut out = Vec::new();
    for function in template.resources_of_type("AWS::Serverless::Function") {
        let properties = globals::merged_properties(template, function);
        let alias = properties
            .as_ref()
            .and_then(|p| p.get("AutoPublishAlias"))
            .is_some();
        let function_name = if alias {
            r.reference(stack, &format!("{}.Alias", function.logical_id))
        } else {
            r.reference(stack, &function.logical_id)
        };
        let events = globals::events(properties.as_ref());
        let cx = FunctionEvents {
            r,
            stack,
            template,
            function,
            alias,
            events,
        };
        for event in events {
            let permission = match event.value.get("Type").and_then(Node::as_str) {
                Some("Api") => cx.rest_permission(event, &function_name),
                Some("HttpApi") => cx.http_permission(event, &function_name),
                _ => None,
            };
            out.extend(permission);
        }
    }
    out
}

struct FunctionEvents<'c> {
    r: &'c Resolver<'c>,
    stack: StackId,
    template: &'c Template,
    function: &'c Resource,
    alias: bool,
    events: &'c [Entry],
}

impl FunctionEvents<'_> {
    /// push.py:805-835: `{api}/*/{METHOD}{path}`, logical id `{Function}{Event}Permission{Stage}`.
    fn rest_permission(&self, event: &Entry, function_name: &Value) -> Option<LambdaPermission> {
        let properties = event.value.get("Properties")?;
        let path = properties.get("Path")?.as_str()?;
        let method = properties.get("Method")?.as_str()?;
        let (api_id, suffix) = match properties.get("RestApiId") {
            None => (
                self.r.reference(self.stack, IMPLICIT_REST_API),
                "Prod".to_string(),
            ),
            Some(node) => (self.api_id(node)?, self.stage_suffix(node)),
        };
        let method = if method.eq_ignore_ascii_case("any") {
            "*".to_string()
        } else {
            method.to_ascii_uppercase()
        };
        let resource = format!("/{method}{}", rest_permission_path(path));
        let logical_id = format!(
            "{}{}Permission{}",
            self.function.logical_id,
            event.key.text,
            alphanumeric(&suffix)
        );
        Some(self.permission(logical_id, event, function_name, api_id, &resource))
    }

    /// push.py:1402-1452: `{api}/*/{METHOD}{path}`, `{api}/*/*` for `$default`, logical id
    /// `{Function}{Event}Permission`.
    fn http_permission(&self, event: &Entry, function_name: &Value) -> Option<LambdaPermission> {
        let properties = event.value.get("Properties");
        let (path, method) = super::http_event_path_and_method(event)?;
        let api_node = properties.and_then(|p| p.get("ApiId"));
        let api_id = match api_node {
            None => self.r.reference(self.stack, IMPLICIT_HTTP_API),
            Some(node) => self.api_id(node)?,
        };
        let path = strip_trailing_slash(path);
        let path = if path == "$default" {
            String::new()
        } else {
            if self.default_route_invokes_function(api_node) {
                return None;
            }
            http_permission_path(path)
        };
        let any = method.eq_ignore_ascii_case("any")
            || method.eq_ignore_ascii_case("x-amazon-apigateway-any-method");
        let resource = if any && path == "/$default" {
            path
        } else {
            let method = if any {
                "*".to_string()
            } else {
                method.to_ascii_uppercase()
            };
            format!("/{method}{path}")
        };
        let logical_id = format!("{}{}Permission", self.function.logical_id, event.key.text);
        Some(self.permission(logical_id, event, function_name, api_id, &resource))
    }

    fn permission(
        &self,
        logical_id: String,
        event: &Entry,
        function_name: &Value,
        api_id: Value,
        resource: &str,
    ) -> LambdaPermission {
        // `arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${ApiId}/${Stage}...`
        // with `Stage` `*` (push.py:794, 1399).
        let source_arn = Value::concat(vec![
            Value::literal(format!("arn:{}:execute-api:", self.r.config().partition)),
            self.r.region(),
            Value::literal(":"),
            self.r.account_id(),
            Value::literal(":"),
            api_id,
            Value::literal(format!("/*{resource}")),
        ]);
        LambdaPermission::for_api_gateway(
            self.r,
            self.stack,
            logical_id,
            event.key.span,
            function_name.clone(),
            source_arn,
        )
    }

    /// The API id an event's `RestApiId`/`ApiId` gives the source ARN: `!Ref Api` or a plain string
    /// (SAM's `Fn::Sub` takes either). Any other intrinsic is rejected by SAM
    /// (implicit_api_plugin.py:479-480, "should be a string"): no permission.
    fn api_id(&self, node: &Node) -> Option<Value> {
        match node.as_intrinsic() {
            Some((key, _)) if key.text == "Ref" => Some(self.r.resolve(self.stack, node)),
            Some(_) => None,
            None => node.as_str().map(Value::literal),
        }
    }

    /// push.py:713-744: the explicit API's literal `StageName`, `Stage` when it is an intrinsic,
    /// `AllStages` when the API cannot be followed.
    fn stage_suffix(&self, node: &Node) -> String {
        let name = match node.as_intrinsic() {
            Some((key, arg)) if key.text == "Ref" => arg.as_str(),
            Some(_) => None,
            None => node.as_str(),
        };
        let Some(api) = name.and_then(|n| self.template.resource(n)) else {
            return "AllStages".to_string();
        };
        match globals::merged_properties(self.template, api)
            .as_ref()
            .and_then(|p| p.get("StageName"))
        {
            Some(stage) => stage.as_str().unwrap_or("Stage").to_string(),
            None => "Stage".to_string(),
        }
    }

    /// push.py:1418-1423 (open_api.py:73-115): the API's document has a `$default` any-method route
    /// whose `Fn::Sub` URI names `${ThisFunction.Arn}`, written by the user or by another event of
    /// this function (SAM writes that URI when the function has no alias).
    fn default_route_invokes_function(&self, api_node: Option<&Node>) -> bool {
        let same_api = |other: Option<&Node>| match (api_node, other) {
            (None, None) => true,
            (Some(a), Some(b)) => {
                referenced_name(a).is_some() && referenced_name(a) == referenced_name(b)
            }
            _ => false,
        };
        let default_event = !self.alias
            && self.events.iter().any(|e| {
                let properties = e.value.get("Properties");
                e.value.get("Type").and_then(Node::as_str) == Some("HttpApi")
                    && properties.and_then(|p| p.get("Path")).is_none()
                    && properties.and_then(|p| p.get("Method")).is_none()
                    && same_api(properties.and_then(|p| p.get("ApiId")))
            });
        if default_event {
            return true;
        }
        let Some(api) = api_node
            .and_then(referenced_name)
            .and_then(|name| self.template.resource(name))
        else {
            return false;
        };
        let properties = globals::merged_properties(self.template, api);
        let Some(body) = properties
            .as_ref()
            .and_then(|p| p.get("DefinitionBody"))
            .filter(|b| b.is_map() && b.as_intrinsic().is_none())
        else {
            return false;
        };
        openapi::operations(body).iter().any(|op| {
            op.path == "$default"
                && op.method == "ANY"
                && op
                    .uri()
                    .and_then(sub_template)
                    .and_then(first_arn_reference)
                    == Some(self.function.logical_id.as_str())
        })
    }
}

/// `RestApiId: !Ref Api` or `Api` → `Api`.
fn referenced_name(node: &Node) -> Option<&str> {
    match node.as_intrinsic() {
        Some((key, arg)) if key.text == "Ref" => arg.as_str(),
        Some(_) => None,
        None => node.as_str(),
    }
}

/// The template string of a `Fn::Sub` written as a string.
fn sub_template(node: &Node) -> Option<&str> {
    match node.as_intrinsic() {
        Some((key, arg)) if key.text == "Fn::Sub" => arg.as_str(),
        _ => None,
    }
}

/// open_api.py:106-112: the logical id of the first `${X.Arn}` (alphanumeric `X`) in the text.
fn first_arn_reference(text: &str) -> Option<&str> {
    let at = text.find(".Arn")?;
    let before = text.get(..at)?;
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric())
        .last()
        .map(|(i, _)| i)?;
    before.get(start..)
}

/// push.py:812 / 1410: `re.sub(r"^(.+)/$", r"\1", path)`.
fn strip_trailing_slash(path: &str) -> &str {
    match path.strip_suffix('/') {
        Some(rest) if !rest.is_empty() => rest,
        _ => path,
    }
}

/// swagger.py:1266: `{name}`, `{name+}` and `{proxy+}` become `*`, after the trailing slash goes.
fn rest_permission_path(path: &str) -> String {
    replace_parameters(strip_trailing_slash(path), true)
}

/// open_api.py:572: `{name}` and `{proxy+}` become `*` (another `{name+}` stays as written).
fn http_permission_path(path: &str) -> String {
    replace_parameters(path, false)
}

/// Replaces `{name}` (name of `[A-Za-z0-9._-]`) by `*`; `{name+}` too when `greedy`, else only
/// `{proxy+}`.
fn replace_parameters(path: &str, greedy: bool) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let (before, from_open) = rest.split_at(open);
        out.push_str(before);
        let Some(close) = from_open.find('}') else {
            out.push_str(from_open);
            return out;
        };
        let inner = from_open.get(1..close).unwrap_or("");
        let name = inner.strip_suffix('+').unwrap_or(inner);
        let plain = |n: &str| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        };
        let replaced = if inner.ends_with('+') {
            (greedy && plain(name)) || inner == "proxy+"
        } else {
            plain(inner)
        };
        if replaced {
            out.push('*');
        } else {
            out.push_str(from_open.get(..=close).unwrap_or(""));
        }
        rest = from_open.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// SAM's logical id suffix: the stage name when alphanumeric (push.py:83-87 hashes it otherwise;
/// the id here only names the permission in messages).
fn alphanumeric(text: &str) -> String {
    text.chars().filter(char::is_ascii_alphanumeric).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_written_as_sam_writes_them() {
        assert_eq!(rest_permission_path("/items/{id}/"), "/items/*");
        assert_eq!(rest_permission_path("/{proxy+}"), "/*");
        assert_eq!(rest_permission_path("/files/{path+}"), "/files/*");
        assert_eq!(rest_permission_path("/"), "/");
        assert_eq!(http_permission_path("/files/{path+}"), "/files/{path+}");
        assert_eq!(http_permission_path("/{proxy+}"), "/*");
        assert_eq!(http_permission_path("/a/{id}"), "/a/*");
    }

    #[test]
    fn the_first_arn_reference_of_a_uri() {
        assert_eq!(
            first_arn_reference(
                "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"
            ),
            Some("Fn")
        );
        assert_eq!(first_arn_reference("${FnAliaslive}"), None);
    }
}

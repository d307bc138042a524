// The part of API Management's policy expression surface that our policies use, as typed stubs, so that
// every expression can be compiled before a gateway runs it. Written from the context variable reference
// (learn.microsoft.com/azure/api-management/api-management-policy-expressions, "Context variable") and the
// allowed Newtonsoft.Json.Linq types listed there. Only types and signatures: nothing here executes.
using System;
using System.Collections.Generic;

namespace Newtonsoft.Json.Linq
{
    public enum JTokenType { None, Object, Array, Constructor, Property, Comment, Integer, Float, String, Boolean, Null, Undefined, Date, Raw, Bytes, Guid, Uri, TimeSpan }

    public abstract class JToken
    {
        public abstract JTokenType Type { get; }
        public virtual JToken this[object key] { get { throw new NotImplementedException(); } }
        public static explicit operator bool(JToken value) { throw new NotImplementedException(); }
        public static explicit operator string(JToken value) { throw new NotImplementedException(); }
        public static implicit operator JToken(string value) { throw new NotImplementedException(); }
    }

    public class JObject : JToken
    {
        public override JTokenType Type { get { return JTokenType.Object; } }
        public JToken this[string propertyName] { get { throw new NotImplementedException(); } set { throw new NotImplementedException(); } }
    }
}

namespace ApiManagement
{
    public interface IMessageBody
    {
        T As<T>(bool preserveContent = false) where T : class;
    }

    public interface IRequest
    {
        string Method { get; }
        IReadOnlyDictionary<string, string> MatchedParameters { get; }
        IReadOnlyDictionary<string, string[]> Headers { get; }
        IMessageBody Body { get; }
    }

    public interface IResponse
    {
        int StatusCode { get; }
        IReadOnlyDictionary<string, string[]> Headers { get; }
        IMessageBody Body { get; }
    }

    public interface IApi { string Id { get; } string Name { get; } string Path { get; } }
    public interface IOperation { string Id { get; } string Name { get; } string Method { get; } string UrlTemplate { get; } }
    public interface IProduct { string Id { get; } string Name { get; } }
    public interface ISubscription { string Id { get; } string Name { get; } }

    public class Jwt
    {
        public IReadOnlyDictionary<string, string[]> Claims { get { throw new NotImplementedException(); } }
    }

    public interface IProxyRequestContext
    {
        IRequest Request { get; }
        IResponse Response { get; }
        IApi Api { get; }
        IOperation Operation { get; }
        IProduct Product { get; }
        ISubscription Subscription { get; }
        IReadOnlyDictionary<string, object> Variables { get; }
    }

    public static class ContextExtensions
    {
        public static T GetValueOrDefault<T>(this IReadOnlyDictionary<string, object> variables, string name, T defaultValue) { throw new NotImplementedException(); }
        public static string GetValueOrDefault(this IReadOnlyDictionary<string, string[]> values, string name, string defaultValue) { throw new NotImplementedException(); }
    }
}

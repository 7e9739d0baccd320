// tpl.cc - the ctemplate shim (the only C++ in optsync): opaque dictionaries, no exceptions out.
#include "tpl.h"

#include <ctemplate/template.h>
#include <dirent.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <sstream>
#include <string>

using ctemplate::TemplateDictionary;

static TemplateDictionary *D(tpl_dict *d)
{
	return reinterpret_cast<TemplateDictionary *>(d);
}

static tpl_dict *T(TemplateDictionary *d)
{
	return reinterpret_cast<tpl_dict *>(d);
}

static int fail(char *err, size_t n, const std::string &msg)
{
	if (err && n)
		snprintf(err, n, "%s", msg.c_str());
	return -1;
}

// The pragma must come first: a template without it would expand unescaped.
static bool starts_with_pragma(const std::string &path)
{
	std::ifstream f(path);
	std::string first;
	if (!std::getline(f, first))
		return false;
	return first.find("{{%AUTOESCAPE context=\"HTML\"}}") == 0;
}

extern "C" int tpl_load_dir(const char *dir, char *err, size_t n)
{
	try {
		ctemplate::TemplateCache *cache = ctemplate::mutable_default_template_cache();
		std::string root(dir);
		if (root.empty() || root.back() != '/')
			root += '/';
		if (!cache->SetTemplateRootDirectory(root))
			return fail(err, n, "templates: cannot use folder " + root);
		DIR *d = opendir(dir);
		if (!d)
			return fail(err, n, "templates: cannot open folder " + root + ": " + strerror(errno));
		int count = 0;
		std::string bad;
		while (struct dirent *de = readdir(d)) {
			std::string name(de->d_name);
			if (name.size() < 5 || name.compare(name.size() - 4, 4, ".tpl") != 0)
				continue;
			if (!starts_with_pragma(root + name)) {
				bad = "templates: " + name +
				      " does not start with {{%AUTOESCAPE context=\"HTML\"}}";
				break;
			}
			if (!cache->LoadTemplate(name, ctemplate::STRIP_BLANK_LINES)) {
				bad = "templates: " + name + " does not parse (see stderr)";
				break;
			}
			count++;
		}
		closedir(d);
		if (!bad.empty())
			return fail(err, n, bad);
		if (count == 0)
			return fail(err, n, "templates: no *.tpl in " + root);
		cache->Freeze();
		return 0;
	} catch (const std::exception &ex) {
		return fail(err, n, std::string("templates: ") + ex.what());
	} catch (...) {
		return fail(err, n, "templates: unknown error");
	}
}

extern "C" tpl_dict *tpl_new(void)
{
	try {
		return T(new TemplateDictionary("page"));
	} catch (...) {
		return nullptr;
	}
}

extern "C" void tpl_free(tpl_dict *d)
{
	delete D(d);
}

extern "C" void tpl_set(tpl_dict *d, const char *key, const char *val)
{
	if (!d)
		return;
	try {
		D(d)->SetValue(key, val ? val : "");
	} catch (...) {
	}
}

extern "C" void tpl_setf(tpl_dict *d, const char *key, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	tpl_set(d, key, tmp);
}

extern "C" void tpl_set_int(tpl_dict *d, const char *key, long long v)
{
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%lld", v);
	tpl_set(d, key, tmp);
}

extern "C" void tpl_set_global(tpl_dict *d, const char *key, const char *val)
{
	if (!d)
		return;
	try {
		D(d)->SetTemplateGlobalValue(key, val ? val : "");
	} catch (...) {
	}
}

extern "C" void tpl_show(tpl_dict *d, const char *section)
{
	if (!d)
		return;
	try {
		D(d)->ShowSection(section);
	} catch (...) {
	}
}

extern "C" void tpl_show_global(tpl_dict *d, const char *section)
{
	if (!d)
		return;
	try {
		D(d)->ShowTemplateGlobalSection(section);
	} catch (...) {
	}
}

extern "C" tpl_dict *tpl_section(tpl_dict *d, const char *section)
{
	if (!d)
		return nullptr;
	try {
		return T(D(d)->AddSectionDictionary(section));
	} catch (...) {
		return nullptr;
	}
}

extern "C" tpl_dict *tpl_include(tpl_dict *d, const char *name, const char *file)
{
	if (!d)
		return nullptr;
	try {
		TemplateDictionary *c = D(d)->AddIncludeDictionary(name);
		c->SetFilename(file);
		return T(c);
	} catch (...) {
		return nullptr;
	}
}

extern "C" int tpl_expand(const char *file, tpl_dict *d, char **out, size_t *len, char *err, size_t n)
{
	*out = nullptr;
	*len = 0;
	if (!d)
		return fail(err, n, "templates: no dictionary (out of memory)");
	try {
		std::string s;
		if (!ctemplate::ExpandTemplate(file, ctemplate::STRIP_BLANK_LINES, D(d), &s))
			return fail(err, n, std::string("templates: cannot expand ") + file);
		char *p = static_cast<char *>(malloc(s.size() + 1));
		if (!p)
			return fail(err, n, "templates: out of memory");
		memcpy(p, s.data(), s.size());
		p[s.size()] = '\0';
		*out = p;
		*len = s.size();
		return 0;
	} catch (const std::exception &ex) {
		return fail(err, n, std::string("templates: ") + ex.what());
	} catch (...) {
		return fail(err, n, "templates: unknown error");
	}
}

package dev.smelt.bundle.license;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LicenseGateTest {
    @TempDir
    Path tmp;

    private Path base(String frontMatterLicense, String licenseFile) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("base-" + frontMatterLicense + "-" + (licenseFile != null)));
        if (frontMatterLicense != null) {
            Files.writeString(dir.resolve("README.md"), "---\nlicense: " + frontMatterLicense + "\nlanguage:\n- en\n---\n# Base\n");
        }
        if (licenseFile != null) Files.writeString(dir.resolve("LICENSE"), licenseFile);
        return dir;
    }

    @Test
    void llama3IsRefusedWithoutLicenseNamingTheLicenceFound() throws IOException {
        Path base = base("llama3", "META LLAMA 3 COMMUNITY LICENSE AGREEMENT\n...");
        assertThatThrownBy(() -> LicenseGate.decide(base, null)).isInstanceOf(SmeltException.class)
                .hasMessageContaining("base model licence 'llama3'").hasMessageContaining("--license ID");
        // naming apache-2.0 explicitly is no way around the gate
        assertThatThrownBy(() -> LicenseGate.decide(base, "apache-2.0")).hasMessageContaining("'llama3'");
    }

    @Test
    void anExplicitLicenceShipsTheBasesTextUnderThatId() throws IOException {
        Path base = base("llama3", "META LLAMA 3 COMMUNITY LICENSE AGREEMENT\n...");
        LicenseGate.Decision d = LicenseGate.decide(base, "llama3");
        assertThat(d.id()).isEqualTo("llama3");
        assertThat(new String(d.text())).startsWith("META LLAMA 3");
        assertThat(d.isApache2()).isFalse();
        Path noText = base("llama3", null);
        assertThatThrownBy(() -> LicenseGate.decide(noText, "llama3")).hasMessageContaining("no LICENSE file");
    }

    @Test
    void apacheMitAndBsdBasesGiveAnApacheBundle() throws IOException {
        for (String id : new String[] {"apache-2.0", "mit", "bsd-3-clause", "MIT"}) {
            LicenseGate.Decision d = LicenseGate.decide(base(id, null), null);
            assertThat(d.id()).isEqualTo("apache-2.0");
            assertThat(LicenseTexts.isApache2(d.text())).isTrue();
        }
    }

    @Test
    void aLicenseFileIsRecognisedWhenTheCardSaysNothing() throws IOException {
        String mit = "MIT License\n\nCopyright (c) 2024 X\n\nPermission is hereby granted, free of charge, to any person";
        assertThat(LicenseGate.decide(base(null, mit), null).base().id()).isEqualTo("mit");
        Path bsd = Files.createDirectories(tmp.resolve("bsd"));
        Files.writeString(bsd.resolve("LICENSE.txt"), "Redistribution and use in source and binary forms, with or without"
                + " modification, are permitted provided that ...");
        assertThat(LicenseGate.decide(bsd, null).base().id()).isEqualTo("bsd-2-clause");
        Path gpl = Files.createDirectories(tmp.resolve("gpl"));
        Files.writeString(gpl.resolve("COPYING"), "GNU GENERAL PUBLIC LICENSE Version 3");
        assertThatThrownBy(() -> LicenseGate.decide(gpl, null)).hasMessageContaining("'unrecognised'");
    }

    @Test
    void noLicenceAtAllIsRefused() {
        Path empty = tmp.resolve("empty");
        assertThatThrownBy(() -> LicenseGate.decide(Files.createDirectories(empty), null))
                .hasMessageContaining("states no licence");
    }

    @Test
    void theApacheTextIsTheOneApacheOrgServes() throws Exception {
        byte[] text = LicenseTexts.apache2();
        assertThat(text).hasSize(11358);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(text));
        assertThat(sha).isEqualTo("cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30");
    }
}
